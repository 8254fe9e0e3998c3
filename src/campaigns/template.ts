/**
 * Personalisation (B §3.13): a lead's variables fill the `{{name}}` placeholders of the
 * campaign's system_message_template. A placeholder the lead has no value for is not replaced by
 * an empty string: it is reported, so the lead fails with an error that names it.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export type Rendered = { ok: true; text: string } | { ok: false; missing: string[] };

export function renderTemplate(template: string, variables: Readonly<Record<string, string>>): Rendered {
  const missing = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.hasOwn(variables, name)) return variables[name];
    missing.add(name);
    return whole;
  });
  return missing.size > 0 ? { ok: false, missing: [...missing] } : { ok: true, text };
}

/**
 * Placeholders in analysis prompts. Flireo's documents spell them three ways (B §3.12): `{{schema}}`,
 * `{{transcript}}`, `{{ended_reason}}` (Vapi writes `{{endedReason}}`), and [G3]'s single-brace
 * `{transcript}`, `{summary}`, `{duration}`, `{caller_number}`. Every variable is accepted in every
 * spelling. Only known names are replaced, so JSON examples in a prompt (`{"a": 1}`) stay intact.
 */

export interface PromptVariables {
  transcript: string;
  ended_reason: string;
  schema: string;
  summary: string;
  duration: string;
  caller_number: string;
}

const camel = (name: string): string => name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function pattern(names: readonly string[]): RegExp {
  const alternatives = names.join('|');
  // {{ name }} with optional spaces, or {name} not part of a {{…}}.
  return new RegExp(`\\{\\{\\s*(${alternatives})\\s*\\}\\}|(?<!\\{)\\{(${alternatives})\\}(?!\\})`, 'g');
}

export function fillPlaceholders(text: string, vars: PromptVariables): string {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(vars)) {
    byName.set(name, value);
    byName.set(camel(name), value);
  }
  return text.replace(pattern([...byName.keys()]), (_m, double: string | undefined, single: string | undefined) => byName.get(double ?? single ?? '') ?? '');
}

/** Whether a prompt needs the summary before it can be filled. */
export function usesSummary(texts: readonly string[]): boolean {
  const re = pattern(['summary']);
  return texts.some((t) => {
    re.lastIndex = 0;
    return re.test(t);
  });
}

/** Whether a prompt shows the model the schema (JSON mode needs it there). */
export function mentionsSchema(texts: readonly string[]): boolean {
  const re = pattern(['schema']);
  return texts.some((t) => {
    re.lastIndex = 0;
    return re.test(t);
  });
}

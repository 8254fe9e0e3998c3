/**
 * Tool calls out of a chat-completions stream, in every style the vendors really send
 * (research/pipeline.md §2.4):
 * - OpenAI: fragments keyed by `index` (id, type and name in the first, then argument pieces);
 * - Mistral: each call whole in one chunk, `index` missing (or always 0), keyed by `id`;
 * - xAI: each call whole with `index` (possibly 0 for every call), after `reasoning_content`.
 * A fragment joins the call with the same `index` unless it brings a different `id` (a new whole
 * call that reuses index 0); without index it joins the call with the same id, else starts one.
 */

export interface ToolCallFragment {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

export interface AssembledToolCall {
  id: string;
  name: string;
  /** The arguments as the model produced them (a JSON string, maybe invalid). */
  arguments: string;
}

interface Entry {
  index: number | undefined;
  id: string;
  name: string;
  args: string;
}

export class ToolCallAccumulator {
  private readonly entries: Entry[] = [];

  add(fragments: readonly ToolCallFragment[] | undefined): void {
    for (const f of fragments ?? []) this.addOne(f);
  }

  get count(): number {
    return this.entries.length;
  }

  calls(): AssembledToolCall[] {
    return this.entries.filter((e) => e.name !== '').map((e, i) => ({ id: e.id || `call_${i + 1}`, name: e.name, arguments: e.args }));
  }

  private addOne(f: ToolCallFragment): void {
    const id = typeof f.id === 'string' && f.id !== '' ? f.id : undefined;
    const index = typeof f.index === 'number' ? f.index : undefined;
    let entry: Entry | undefined;
    if (index !== undefined) {
      entry = findLast(this.entries, (e) => e.index === index);
      if (entry && id !== undefined && entry.id !== '' && entry.id !== id) entry = undefined;
    } else if (id !== undefined) {
      entry = this.entries.find((e) => e.id === id);
    }
    if (!entry) {
      entry = { index, id: id ?? '', name: '', args: '' };
      this.entries.push(entry);
    }
    if (id !== undefined && entry.id === '') entry.id = id;
    if (typeof f.function?.name === 'string' && f.function.name !== '') entry.name = entry.name === '' ? f.function.name : entry.name;
    if (typeof f.function?.arguments === 'string') entry.args += f.function.arguments;
  }
}

function findLast<T>(list: T[], pred: (t: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i])) return list[i];
  return undefined;
}

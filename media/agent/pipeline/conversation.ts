/**
 * The pipeline's conversation: the agent's instructions, the turns as they were heard, tool calls
 * with their results, injected context. Rendered per request for the chat API, with the vendor
 * rules the capabilities name: tool results right after the assistant message that called them;
 * with `nineCharToolIds`, ids mapped to 9 letters or digits; with `strictOrder` (Mistral), the
 * last message a user or tool message and never a user message straight after a tool message.
 */
import type { ChatCapabilities } from '../../providers/chat/capabilities.js';
import type { ChatMessage } from '../../providers/chat/stream.js';
import type { AssembledToolCall } from '../../providers/chat/tool-calls.js';

type Entry =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: AssembledToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** Bound on the turns kept (the system prompt is always kept). */
const MAX_ENTRIES = 400;
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export type AssistantRef = { readonly entry: Entry };

export class Conversation {
  private readonly entries: Entry[] = [];
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly system: string,
    seed: ReadonlyArray<{ role: 'user' | 'assistant'; content: string }> = [],
  ) {
    for (const m of seed) this.entries.push(m.role === 'assistant' ? { role: 'assistant', content: m.content, toolCalls: [] } : { role: 'user', content: m.content });
  }

  addUser(text: string): void {
    this.push({ role: 'user', content: text });
  }

  /** The caller went on after a reply nobody heard: the words join their last message. */
  extendLastUser(text: string): boolean {
    const last = this.entries.at(-1);
    if (last?.role !== 'user') return false;
    last.content = `${last.content} ${text}`.trim();
    return true;
  }

  /** The last entry is a user message (the reply to it was withdrawn). */
  get endsWithUser(): boolean {
    return this.entries.at(-1)?.role === 'user';
  }

  addContext(text: string): void {
    this.push({ role: 'system', content: text });
  }

  addAssistant(text: string, toolCalls: AssembledToolCall[] = []): AssistantRef {
    const entry: Entry = { role: 'assistant', content: text, toolCalls };
    this.push(entry);
    return { entry };
  }

  /** Keeps only what the caller heard of a reply; a reply heard not at all and without tool calls goes. */
  setHeard(ref: AssistantRef, text: string): void {
    const e = ref.entry;
    if (e.role !== 'assistant') return;
    e.content = text;
    if (text.trim() === '' && e.toolCalls.length === 0) {
      const i = this.entries.indexOf(e);
      if (i >= 0) this.entries.splice(i, 1);
    }
  }

  /** A tool's output, placed after its call's assistant message (and the results before it). */
  addToolResult(toolCallId: string, output: string): void {
    const at = this.entries.findIndex((e) => e.role === 'assistant' && e.toolCalls.some((c) => c.id === toolCallId));
    if (at < 0) return this.push({ role: 'tool', toolCallId, content: output });
    let i = at + 1;
    while (i < this.entries.length && this.entries[i].role === 'tool') i++;
    this.entries.splice(i, 0, { role: 'tool', toolCallId, content: output });
  }

  /** Calls of the last assistant messages still without a result. */
  get openToolCalls(): number {
    const answered = new Set(this.entries.flatMap((e) => (e.role === 'tool' ? [e.toolCallId] : [])));
    return this.entries.reduce((n, e) => n + (e.role === 'assistant' ? e.toolCalls.filter((c) => !answered.has(c.id)).length : 0), 0);
  }

  /** The messages of a request; `instructions` steer this reply only. */
  render(caps: ChatCapabilities, instructions?: string): ChatMessage[] {
    const out: ChatMessage[] = [];
    if (this.system.trim() !== '') out.push({ role: 'system', content: this.system });
    for (const e of this.entries) {
      if (caps.strictOrder && e.role === 'user' && out.at(-1)?.role === 'tool') {
        // Mistral refuses a user message right after a tool result (the caller spoke while a tool
        // ran): a short assistant acknowledgement keeps the order it accepts.
        out.push({ role: 'assistant', content: 'OK.' });
      }
      out.push(this.renderEntry(e, caps));
    }
    if (instructions) out.push({ role: caps.strictOrder ? 'user' : 'system', content: caps.strictOrder ? `(Instruction, not said by the caller) ${instructions}` : instructions });
    if (caps.strictOrder) {
      const last = out.at(-1);
      if (last?.role === 'system' && out.length > 1) out[out.length - 1] = { role: 'user', content: `(Instruction, not said by the caller) ${String(last.content)}` };
      else if (last?.role !== 'user' && last?.role !== 'tool') out.push({ role: 'user', content: '(The caller is listening.)' });
    }
    return out;
  }

  private renderEntry(e: Entry, caps: ChatCapabilities): ChatMessage {
    switch (e.role) {
      case 'system':
      case 'user':
        return { role: e.role, content: e.content };
      case 'tool':
        return { role: 'tool', tool_call_id: this.id(e.toolCallId, caps), content: e.content };
      case 'assistant':
        if (e.toolCalls.length === 0) return { role: 'assistant', content: e.content };
        return {
          role: 'assistant',
          content: e.content === '' ? null : e.content,
          tool_calls: e.toolCalls.map((c) => ({ id: this.id(c.id, caps), type: 'function' as const, function: { name: c.name, arguments: c.arguments || '{}' } })),
        };
    }
  }

  /** Mistral wants `[a-zA-Z0-9]{9}`: other ids get a stable mapped one. */
  private id(id: string, caps: ChatCapabilities): string {
    if (!caps.nineCharToolIds || /^[a-zA-Z0-9]{9}$/.test(id)) return id;
    let mapped = this.ids.get(id);
    if (!mapped) {
      let h = 2166136261;
      for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
      mapped = '';
      for (let i = 0; i < 9; i++) {
        mapped += ID_CHARS[h % ID_CHARS.length];
        h = Math.imul(h ^ (i + 1), 2654435761) >>> 0;
      }
      this.ids.set(id, mapped);
    }
    return mapped;
  }

  private push(entry: Entry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }
}

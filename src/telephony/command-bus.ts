/**
 * Commands for live calls across nodes (DESIGN §6): a command for a call is published on the
 * owning node's channel, that node runs it and publishes the result on the sender's reply
 * channel. The sender waits a bounded time; no answer means the owner is gone or stuck.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { duplicateClient } from '../redis.js';

export type CommandResult = { ok: true } | { ok: false; status: 400 | 404 | 409 | 503; error: string; message: string };

export interface CallCommand {
  callId: string;
  orgId: string;
  /** The control body as the API validated it. */
  control: Record<string, unknown>;
}

interface Envelope {
  id: string;
  replyTo: string;
  command: CallCommand;
}

interface Reply {
  id: string;
  result: CommandResult;
}

const REPLY_TIMEOUT_MS = 5_000;

export const OWNER_UNREACHABLE: CommandResult = {
  ok: false,
  status: 503,
  error: 'internal_error',
  message: 'The node that owns this call did not answer; try again.',
};

export class CommandBus {
  private readonly subscriber: Redis;
  private readonly pending = new Map<string, (result: CommandResult) => void>();
  private handler: ((command: CallCommand) => Promise<CommandResult>) | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {
    this.subscriber = duplicateClient(redis, log, 'command channel');
  }

  private commandChannel(nodeId: string): string {
    return `${this.prefix}nodes:${nodeId}:commands`;
  }

  private replyChannel(nodeId: string): string {
    return `${this.prefix}nodes:${nodeId}:replies`;
  }

  /** Starts taking commands for this node's calls (and replies to the ones it sent). */
  async start(handler: (command: CallCommand) => Promise<CommandResult>): Promise<void> {
    this.handler = handler;
    this.subscriber.on('message', (channel, text) => void this.onMessage(channel, text));
    await this.subscriber.subscribe(this.commandChannel(this.nodeId), this.replyChannel(this.nodeId));
  }

  /** Sends `command` to `nodeId` and waits for its result (bounded). */
  async send(nodeId: string, command: CallCommand): Promise<CommandResult> {
    const envelope: Envelope = { id: randomUUID(), replyTo: this.nodeId, command };
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<CommandResult>((resolve) => {
      this.pending.set(envelope.id, resolve);
      timer = setTimeout(() => resolve(OWNER_UNREACHABLE), REPLY_TIMEOUT_MS);
    });
    try {
      const receivers = await this.redis.publish(this.commandChannel(nodeId), JSON.stringify(envelope));
      if (receivers === 0) return OWNER_UNREACHABLE;
      return await answered;
    } finally {
      clearTimeout(timer);
      this.pending.delete(envelope.id);
    }
  }

  async close(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private async onMessage(channel: string, text: string): Promise<void> {
    let message: Envelope | Reply;
    try {
      message = JSON.parse(text) as Envelope | Reply;
    } catch {
      return void this.log.warn({ channel }, 'unreadable command message ignored');
    }
    if (channel === this.replyChannel(this.nodeId) && 'result' in message) return this.pending.get(message.id)?.(message.result);
    if (channel !== this.commandChannel(this.nodeId) || !('command' in message) || !this.handler) return;
    let result: CommandResult;
    try {
      result = await this.handler(message.command);
    } catch (err) {
      this.log.error({ err, callId: message.command.callId }, 'call command failed');
      result = { ok: false, status: 503, error: 'internal_error', message: 'The command could not be run.' };
    }
    const reply: Reply = { id: message.id, result };
    await this.redis.publish(this.replyChannel(message.replyTo), JSON.stringify(reply)).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, 'could not send a command reply');
    });
  }
}

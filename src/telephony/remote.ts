/**
 * The call service of a node without the `sip` role (VOXGATE_ROLES=api): it owns no calls, so a
 * control command goes to the node that owns the call through the command bus (DESIGN §6), and
 * an outbound call needs a node that can place it.
 */
import type { VoxgateNode } from '../node.js';
import { CommandBus, OWNER_UNREACHABLE, type CommandResult } from './command-bus.js';
import { CallDirectory } from './directory.js';
import type { LiveControl } from './owner.js';
import type { OutboundResult } from './outbound.js';

export class RemoteCalls {
  private constructor(
    private readonly directory: CallDirectory,
    private readonly commands: CommandBus,
  ) {}

  static async start(node: VoxgateNode): Promise<RemoteCalls> {
    const log = node.log.child({ part: 'remote-calls' });
    const commands = new CommandBus(node.redis, node.config.redisPrefix, node.id, log);
    // Nothing runs here: a command that reaches this node (a stale directory entry) is refused.
    await commands.start(async () => ({ ok: false, status: 400, error: 'call_not_active', message: 'The call is not in progress.' }));
    node.onStop('remote calls', () => commands.close());
    return new RemoteCalls(new CallDirectory(node.redis, node.config.redisPrefix, node.id, log), commands);
  }

  async placeOutbound(): Promise<OutboundResult> {
    return { ok: false, status: 503, error: 'internal_error', message: 'This node does not place calls (no sip role); send the request to a node that does.' };
  }

  async control(orgId: string, callId: string, control: LiveControl): Promise<CommandResult> {
    let owner: string | null;
    try {
      owner = await this.directory.ownerOf(callId);
    } catch {
      return OWNER_UNREACHABLE;
    }
    if (!owner) return { ok: false, status: 400, error: 'call_not_active', message: 'The call is not in progress.' };
    return this.commands.send(owner, { callId, orgId, control: control as unknown as Record<string, unknown> });
  }
}

/** Role `api` on a node without `sip`: call control still works, through the owning node. */
export async function startRemoteCalls(node: VoxgateNode): Promise<void> {
  if (!node.services.calls) node.services.calls = await RemoteCalls.start(node);
}

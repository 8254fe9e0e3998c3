/**
 * Which sources may send us INVITEs (DESIGN §3 step 2, "SIP accepted only from configured
 * trunks"), and for whom: the CIDRs of SIP_TRUNK_ALLOW (the operator's list) may call every
 * organization's numbers; the resolved addresses of an organization's SIP trunk hosts may call
 * only that organization's numbers — one tenant's trunk must never open ingress to another
 * tenant. Rebuilt when trunks change (API hook and the Redis routing channel) and every few
 * minutes, so a trunk host whose DNS changes is followed. Lookups are synchronous: the check
 * runs for every out-of-dialog request.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';

const REFRESH_INTERVAL_MS = 5 * 60_000;

function cidrList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/** IPv4-mapped IPv6 sources (dual-stack sockets) are judged as IPv4. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Who a source may call: every organization (the operator's list) or only the listed ones (their trunks). */
export type Admission = { operator: true } | { operator: false; orgs: ReadonlySet<string> };

const OPERATOR: Admission = { operator: true };

export class TrunkAllowList {
  private readonly configured: BlockList;
  /** Trunk host address → the organizations whose trunks resolve to it. */
  private trunkAddresses = new Map<string, Set<string>>();
  private refreshing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Queryable,
    cidrs: readonly string[],
    private readonly log: Logger,
  ) {
    this.configured = cidrList(cidrs);
  }

  allows(address: string): boolean {
    return this.admission(address) !== null;
  }

  admission(address: string): Admission | null {
    const a = plain(address);
    if (this.configured.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4')) return OPERATOR;
    const orgs = this.trunkAddresses.get(a);
    return orgs ? { operator: false, orgs } : null;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The API changed an organization's trunks (the argument only says whose). */
  onTrunksChanged(_orgId: string): void {
    void this.refresh();
  }

  /** Coalesces concurrent refreshes; a failure keeps the previous list. */
  refresh(): Promise<void> {
    this.refreshing ??= this.rebuild().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    try {
      // Trunk hosts and the carriers' `inbound_addresses`, per organization (migration 0025).
      const { rows } = await this.db.query<{ org_id: string; host: string }>(`SELECT DISTINCT org_id, host FROM sip_trunk_ingress_hosts`);
      const next = new Map<string, Set<string>>();
      const add = (address: string, orgId: string) => {
        const key = plain(address);
        const orgs = next.get(key) ?? new Set<string>();
        orgs.add(orgId);
        next.set(key, orgs);
      };
      await Promise.all(
        rows.map(async ({ org_id: orgId, host }) => {
          if (isIP(host)) return void add(host, orgId);
          try {
            for (const { address } of await lookup(host, { all: true })) add(address, orgId);
          } catch (err) {
            this.log.warn({ host, err: (err as Error).message }, 'trunk host does not resolve; not allowed until it does');
          }
        }),
      );
      this.trunkAddresses = next;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not rebuild the trunk allow-list; keeping the previous one');
    }
  }
}

/**
 * Parse timing for `npm run bench -- peers`: every (message, parser, mode) is timed in rounds,
 * the rounds alternate between parsers (so a load spike on the shared machine hits all of them),
 * and the figure is the median round in µs of CPU time per message.
 */
import { PEER_MESSAGES } from './peer-messages.js';
import { loadParsers, type PeerParser } from './peer-parsers.js';

type Mode = 'default' | 'full';

interface Cell {
  parser: string;
  mode: Mode;
  fn: (buf: Buffer) => string | undefined;
}

function timeBatch(fn: (buf: Buffer) => string | undefined, buf: Buffer, iterations: number): number {
  let sink = 0;
  // CPU time of this process, not wall time: on a shared machine a batch may be descheduled.
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) sink += fn(buf)?.length ?? 0;
  const used = process.cpuUsage(start);
  if (sink === 0) throw new Error('parser returned nothing');
  return (used.user + used.system) / iterations;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

export interface ParseFigures {
  microsPerMessage: Record<string, Record<string, { default?: number; full?: number; failed?: string }>>;
  /**
   * Per message: how many times faster voxgate is than the fastest pure-JS peer in the peer's
   * full mode, with voxgate's default parse (which already validates and parses Via, From, To,
   * CSeq, Contact and the URIs: about the work of the peers' full mode) and with its full mode.
   */
  vsFastestPeerFull: Record<string, { peer: string; peerFull: number; voxgateDefault: number; voxgateFull: number }>;
  modes: Record<string, { default: string; full: string }>;
  missing: Record<string, string>;
  rounds: number;
}

export async function measureParse(rounds: number, batchMs: number): Promise<ParseFigures> {
  const { parsers, missing } = await loadParsers();
  const cells: Cell[] = parsers.flatMap((p: PeerParser) => [
    { parser: p.name, mode: 'default' as const, fn: p.default },
    { parser: p.name, mode: 'full' as const, fn: p.full },
  ]);
  // Every parser sees every message before anything is timed, as on a server (its call sites
  // settle on all the message shapes), so that no cell is timed with feedback from one message
  // only (once seen: voxgate's INVITE default at twice its full mode). Runs still swing on this
  // shared machine; the README gives the spread.
  for (let pass = 0; pass < 2; pass++) {
    for (const buf of Object.values(PEER_MESSAGES)) {
      for (const cell of cells) {
        try {
          const probe = timeBatch(cell.fn, buf, 5);
          timeBatch(cell.fn, buf, Math.max(5, Math.min(3000, Math.round(50_000 / probe))));
        } catch {
          // reported below, where the cell is measured
        }
      }
    }
  }
  const out: ParseFigures['microsPerMessage'] = {};
  for (const [label, buf] of Object.entries(PEER_MESSAGES)) {
    out[label] = {};
    const live: Array<Cell & { iterations: number; samples: number[] }> = [];
    for (const cell of cells) {
      const slot = (out[label][cell.parser] ??= {});
      let result: string | undefined;
      try {
        result = cell.fn(buf);
      } catch (err) {
        slot.failed = `throws: ${err instanceof Error ? err.message : String(err)}`;
        continue;
      }
      if (!result) {
        slot.failed = 'rejects the message (or loses its Call-ID)';
        continue;
      }
      // Warm up (about 100 ms or 2000 messages), then size a batch to about batchMs.
      const probe = timeBatch(cell.fn, buf, 20);
      const per = timeBatch(cell.fn, buf, Math.max(20, Math.min(2000, Math.round(100_000 / probe))));
      live.push({ ...cell, iterations: Math.max(200, Math.round((batchMs * 1000) / per)), samples: [] });
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? live : [...live].reverse();
      for (const cell of order) cell.samples.push(timeBatch(cell.fn, buf, cell.iterations));
    }
    for (const cell of live) out[label][cell.parser][cell.mode] = Number(median(cell.samples).toFixed(2));
  }
  const vsFastestPeerFull: ParseFigures['vsFastestPeerFull'] = {};
  for (const [label, row] of Object.entries(out)) {
    const peers = Object.entries(row).filter(([name, f]) => name !== 'voxgate' && f.full !== undefined);
    const vox = row.voxgate;
    if (peers.length === 0 || vox?.default === undefined || vox.full === undefined) continue;
    const [peer, figures] = peers.reduce((best, next) => (next[1].full! < best[1].full! ? next : best));
    const ratio = (voxgate: number) => Number((figures.full! / voxgate).toFixed(2));
    vsFastestPeerFull[label] = { peer, peerFull: figures.full!, voxgateDefault: ratio(vox.default), voxgateFull: ratio(vox.full) };
  }
  const modes: ParseFigures['modes'] = {};
  for (const p of parsers) modes[p.name] = p.describe;
  return { microsPerMessage: out, vsFastestPeerFull, modes, missing, rounds };
}

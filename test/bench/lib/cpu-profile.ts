/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per area of
 * the media path, as shares of the sampled time. Used for the media benchmark's profile figures:
 * `npx tsx test/bench/lib/cpu-profile.ts FILE.cpuprofile [top]` prints them as JSON.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  sampledMs: number;
  /** Share of all samples (idle included) the thread was busy, %. */
  busyPercent: number;
  /** Self time per area as % of busy (non-idle) time. */
  areas: Record<string, number>;
  /** The heaviest functions by self time, % of busy time. */
  top: { fn: string; percent: number }[];
}

/** Areas by where a frame's code lives or what the native frame is (first match wins). */
const AREAS: [string, (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)'],
  ['gc', (fn) => fn === '(garbage collector)'],
  ['websocket write (ws + net/stream)', (fn, url) => /node_modules\/ws\/lib\/(sender|websocket)\.js/.test(url) || /^node:(net|internal\/stream|internal\/streams)/.test(url) || fn === 'writev' || fn === 'writeUtf8String' || fn === 'writeBuffer'],
  ['websocket read (ws receiver)', (_fn, url) => /node_modules\/ws\/lib\/(receiver|buffer-util|validation)\.js/.test(url)],
  ['udp (dgram)', (fn, url) => url.startsWith('node:dgram') || url.startsWith('node:internal/dgram') || fn === 'send' || fn === 'onMessage' || /^(lookup|lookup4|afterDns)$/.test(fn) || url.startsWith('node:dns') || url.startsWith('node:internal/dns')],
  ['json + base64', (fn) => /^(parse|stringify|toString|base64Slice|base64Write|from|byteLengthUtf8)$/.test(fn)],
  ['timers + ticks', (_fn, url) => url.startsWith('node:internal/timers') || url.startsWith('node:timers') || url.startsWith('node:internal/process/task_queues')],
  ['media (rtp, clock, playout, codecs)', (_fn, url) => /\/media\/(rtp|clock|playout|jitter|codecs|rtcp|call|worker)\//.test(url)],
  ['providers + agent', (_fn, url) => /\/media\/(providers|agent)\//.test(url) || /test\/bench\/lib\//.test(url)],
  ['events + other node', (_fn, url) => url.startsWith('node:')],
  ['program (native, unattributed)', (fn) => fn === '(program)' || fn === ''],
];

function areaOf(fn: string, url: string): string {
  for (const [name, match] of AREAS) if (match(fn, url)) return name;
  return 'other';
}

export function summariseProfile(profile: CpuProfile, topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    const area = areaOf(functionName, url);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
    if (area === 'idle') continue;
    const file = url.replace(/^.*\/(node_modules\/|media\/|test\/)/, '$1');
    const key = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const idle = areas.get('idle') ?? 0;
  const busy = total - idle;
  const pct = (us: number): number => Math.round((us / busy) * 1000) / 10;
  areas.delete('idle');
  return {
    sampledMs: Math.round(total / 1000),
    busyPercent: Math.round((busy / total) * 1000) / 10,
    areas: Object.fromEntries([...areas].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)])),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([fn, us]) => ({ fn, percent: pct(us) })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as CpuProfile;
  console.log(JSON.stringify(summariseProfile(profile, Number(process.argv[3] ?? 25)), null, 2));
}

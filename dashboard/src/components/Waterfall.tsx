/**
 * The per-turn latency waterfall (the call's `latency.turns`, ms from the caller's last voiced
 * packet): one bar per answered turn, split at each stage the engine measured, with the same
 * figures as a table for screen readers and copying.
 */
import type { CallLatency, TurnLatency } from '../types';

type Mark = Exclude<keyof TurnLatency, 'turn' | 'engine' | 'interrupted'>;

/** In the order a reply goes through them; the colours pass 3:1 against white. */
export const STAGES: Array<{ mark: Mark; name: string; color: string }> = [
  { mark: 'endOfTurnMs', name: 'End of turn', color: '#6b5ca5' },
  { mark: 'llmRequestMs', name: 'LLM request sent', color: '#2f6f9f' },
  { mark: 'llmFirstTokenMs', name: 'LLM first token', color: '#1d7f74' },
  { mark: 'llmFirstSentenceMs', name: 'LLM first sentence', color: '#4d7a1f' },
  { mark: 'ttsRequestMs', name: 'TTS request sent', color: '#9a6a00' },
  { mark: 'ttsFirstAudioMs', name: 'First audio', color: '#b5531c' },
  { mark: 'firstRtpMs', name: 'First RTP to caller', color: '#a8325e' },
];

const ROW = 28;
const LEFT = 86;
const RIGHT = 70;
const WIDTH = 760;
const AXIS = 24;

function segments(turn: TurnLatency): Array<{ from: number; to: number; stage: (typeof STAGES)[number] }> {
  const out: Array<{ from: number; to: number; stage: (typeof STAGES)[number] }> = [];
  let at = 0;
  for (const stage of STAGES) {
    const value = turn[stage.mark];
    if (value === null || value < at) continue;
    out.push({ from: at, to: value, stage });
    at = value;
  }
  return out;
}

const ms = (value: number | null): string => (value === null ? '—' : String(Math.round(value)));

const total = (turn: TurnLatency): number => Math.max(0, ...STAGES.map((s) => turn[s.mark] ?? 0));

function ticks(max: number): number[] {
  const step = [50, 100, 200, 250, 500, 1000, 2000, 5000].find((s) => max / s <= 8) ?? 10_000;
  const out: number[] = [];
  for (let t = 0; t <= max; t += step) out.push(t);
  return out;
}

export function Waterfall({ latency }: { latency: CallLatency | null }) {
  const turns = latency?.turns ?? [];
  if (turns.length === 0) return <p class="empty">No answered turns were measured on this call.</p>;
  const max = Math.max(100, ...turns.map(total)) * 1.05;
  const scale = (ms: number) => LEFT + (ms / max) * (WIDTH - LEFT - RIGHT);
  const height = turns.length * ROW + AXIS + 8;
  const used = STAGES.filter((s) => turns.some((t) => t[s.mark] !== null));
  const firstRtp = turns.map((t) => t.firstRtpMs).filter((v): v is number => v !== null).map(Math.round);
  const summary = firstRtp.length ? `Reply latency per turn, first RTP at ${firstRtp.join(', ')} ms.` : 'Reply latency per turn.';

  return (
    <figure class="waterfall">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={summary} data-testid="waterfall">
        {ticks(max).map((t) => (
          <g key={t}>
            <line x1={scale(t)} x2={scale(t)} y1={0} y2={height - AXIS} class="grid" />
            <text x={scale(t)} y={height - 8} class="tick" text-anchor="middle">
              {t} ms
            </text>
          </g>
        ))}
        {turns.map((turn, i) => (
          <g key={turn.turn} transform={`translate(0 ${i * ROW + 4})`} class="turn">
            <text x={LEFT - 8} y={ROW / 2 + 2} text-anchor="end" class="label">
              Turn {turn.turn}
              {turn.interrupted ? ' ✂' : ''}
            </text>
            {segments(turn).map((seg) => (
              <rect key={seg.stage.mark} x={scale(seg.from)} y={4} width={Math.max(1, scale(seg.to) - scale(seg.from))} height={ROW - 10} fill={seg.stage.color}>
                <title>{`${seg.stage.name}: ${ms(seg.to)} ms`}</title>
              </rect>
            ))}
            <text x={scale(total(turn)) + 6} y={ROW / 2 + 2} class="value">
              {ms(total(turn))} ms
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        <ul class="legend">
          {used.map((s) => (
            <li key={s.mark}>
              <span class="swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
          {turns.some((t) => t.interrupted) && <li>✂ the caller interrupted the reply</li>}
        </ul>
      </figcaption>
      <table class="compact">
        <caption class="sr-only">Latency per turn, ms from the caller's last voiced packet</caption>
        <thead>
          <tr>
            <th scope="col">Turn</th>
            {used.map((s) => (
              <th scope="col" key={s.mark}>
                {s.name}
              </th>
            ))}
            <th scope="col">Interrupted</th>
          </tr>
        </thead>
        <tbody>
          {turns.map((t) => (
            <tr key={t.turn}>
              <th scope="row">{t.turn}</th>
              {used.map((s) => (
                <td class="num" key={s.mark}>
                  {ms(t[s.mark])}
                </td>
              ))}
              <td>{t.interrupted ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

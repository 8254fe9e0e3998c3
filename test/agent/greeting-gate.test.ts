/** The outbound greeting waits for the callee's "Hello?", or a second of silence, never longer. */
import { describe, expect, it } from 'vitest';
import { FakeTime } from '../../media/clock/time.js';
import { GreetingGate } from '../../media/agent/greeting-gate.js';

function gate() {
  const time = new FakeTime();
  let openedAt: number | null = null;
  const g = new GreetingGate(time, () => (openedAt = time.now()));
  g.start();
  return { time, g, openedAt: () => openedAt };
}

/** `frames` frames of 20 ms, voiced or not, with the clock moving along. */
function feed(t: ReturnType<typeof gate>, voiced: boolean, frames: number): void {
  for (let i = 0; i < frames; i++) {
    t.time.advance(20);
    t.g.frame(voiced);
  }
}

describe('greeting gate (outbound calls)', () => {
  it('speaks after 1 s when the callee says nothing', () => {
    const t = gate();
    feed(t, false, 49);
    expect(t.openedAt()).toBeNull();
    feed(t, false, 1);
    expect(t.openedAt()).toBe(2000);
  });

  it('speaks 300 ms after a short "Hello?" ends, not during it', () => {
    const t = gate();
    feed(t, false, 10); // 200 ms before they speak
    feed(t, true, 30); // "Hello?" 600 ms: past the 1 s silence mark, still talking
    expect(t.openedAt()).toBeNull();
    feed(t, false, 14);
    expect(t.openedAt()).toBeNull();
    feed(t, false, 1);
    expect(t.openedAt()).toBe(1000 + 200 + 600 + 300);
  });

  it('speaks at 3 s at the latest, whatever the callee does', () => {
    const t = gate();
    feed(t, true, 150);
    expect(t.openedAt()).toBe(4000);
    feed(t, false, 50);
    expect(t.openedAt()).toBe(4000); // once
  });
});

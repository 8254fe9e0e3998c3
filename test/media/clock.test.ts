import { describe, expect, it } from 'vitest';
import { FakeTime, MediaClock, type ClockTarget } from '../../media/clock/index.js';

class Recorder implements ClockTarget {
  readonly ticks: { at: number; skipped: number }[] = [];
  onTick(now: number, skipped: number): void {
    this.ticks.push({ at: now, skipped });
  }
}

describe('MediaClock', () => {
  it('ticks every 20 ms from deadlines, without drift', () => {
    const time = new FakeTime(1000);
    const clock = new MediaClock({ time });
    const target = new Recorder();
    clock.add(target);
    time.advance(1000);
    expect(target.ticks).toHaveLength(50);
    expect(target.ticks.at(-1)?.at).toBe(2000);
    expect(target.ticks.every((t) => t.skipped === 0)).toBe(true);
    expect(clock.stats().skippedSlots).toBe(0);
    expect(clock.stats().frameDeviation).toMatchObject({ count: 50, max: 0 });
  });

  it('after a stall skips missed slots instead of bursting, and counts them', () => {
    const time = new FakeTime(0);
    const clock = new MediaClock({ time, maxBurst: 2 });
    const target = new Recorder();
    clock.add(target);
    time.advance(100); // 5 ticks
    time.stall(205); // the event loop is blocked for ~10 slots
    time.advance(0);
    // The late wake sends 2 frames back to back (maxBurst) and reports the skipped slots.
    const afterStall = target.ticks.slice(5);
    expect(afterStall).toHaveLength(2);
    expect(afterStall[0].skipped).toBe(8);
    expect(afterStall[1].skipped).toBe(0);
    const stats = clock.stats();
    expect(stats.skippedSlots).toBe(8);
    expect(stats.burstTicks).toBe(1);
    expect(stats.lateTicks).toBeGreaterThanOrEqual(1);
    // Slots served + skipped account for every 20 ms of elapsed time.
    time.advance(95);
    const served = target.ticks.length;
    expect(served + stats.skippedSlots).toBe(Math.floor(time.now() / 20));
    expect(stats.deviation.max).toBeGreaterThan(20);
    expect(stats.frameDeviation.max).toBeGreaterThan(20);
  });

  it('with maxBurst 1 never sends two frames in one wake', () => {
    const time = new FakeTime(0);
    const clock = new MediaClock({ time, maxBurst: 1 });
    const target = new Recorder();
    clock.add(target);
    time.advance(40);
    time.stall(70);
    time.advance(0);
    expect(target.ticks).toHaveLength(3);
    expect(target.ticks[2]).toEqual({ at: 110, skipped: 2 }); // slots 60 and 80 skipped, 100 served
  });

  it('re-arms instead of ticking on an early wake', () => {
    const time = new FakeTime(0, 0.7); // timers fire 0.7 ms early
    const clock = new MediaClock({ time });
    const target = new Recorder();
    clock.add(target);
    time.advance(19.5);
    expect(target.ticks).toHaveLength(0);
    time.advance(0.5);
    expect(target.ticks).toEqual([{ at: 20, skipped: 0 }]);
    time.advance(980);
    expect(target.ticks).toHaveLength(50);
    expect(clock.stats().deviation.max).toBe(0);
  });

  it('keeps ticking the other calls when one target throws, and stops with its last target', () => {
    const time = new FakeTime(0);
    const clock = new MediaClock({ time });
    const good = new Recorder();
    clock.add({
      onTick: () => {
        throw new Error('boom');
      },
    });
    clock.add(good);
    time.advance(60);
    expect(good.ticks).toHaveLength(3);
    expect(clock.stats().targetErrors).toBe(3);
    clock.remove(good);
    expect(clock.running).toBe(true);
  });

  it('wakes early and spins to the deadline with a real-looking clock', () => {
    // A clock that moves 10 µs per read, and a timer we fire by hand.
    let t = 0;
    let pending: { fn: () => void; wait: number } | null = null;
    const time = {
      now: () => (t += 0.01),
      setTimer: (fn: () => void, wait: number) => (pending = { fn, wait }),
      clearTimer: () => (pending = null),
    };
    const clock = new MediaClock({ time, earlyWakeMs: 1 });
    const target = new Recorder();
    clock.add(target);
    expect(pending!.wait).toBeCloseTo(19, 1); // armed 1 ms before the 20 ms deadline
    t = 19.2;
    pending!.fn();
    expect(target.ticks).toHaveLength(1);
    expect(target.ticks[0].at).toBeGreaterThanOrEqual(20);
    expect(target.ticks[0].at).toBeLessThan(20.05);
  });

  it('serves a due slot when an I/O callback polls, before the timer, and never twice', () => {
    const time = new FakeTime(0);
    const clock = new MediaClock({ time });
    const target = new Recorder();
    clock.add(target);
    time.stall(19);
    clock.poll(time.now());
    expect(target.ticks).toHaveLength(0); // not due yet
    time.stall(1.5);
    clock.poll(time.now()); // a packet arrived just after the deadline, the timer has not run
    expect(target.ticks).toEqual([{ at: 20.5, skipped: 0 }]);
    clock.poll(time.now());
    time.advance(0); // the timer of slot 1 was cancelled: no second tick
    expect(target.ticks).toHaveLength(1);
    time.advance(19.5);
    expect(target.ticks.map((t) => t.at)).toEqual([20.5, 40]);
  });

  it('lets a target remove itself from inside its tick', () => {
    const time = new FakeTime(0);
    const clock = new MediaClock({ time });
    const other = new Recorder();
    let n = 0;
    const selfRemoving: ClockTarget = {
      onTick: () => {
        if (++n === 2) clock.remove(selfRemoving);
      },
    };
    clock.add(selfRemoving);
    clock.add(other);
    time.advance(100);
    expect(n).toBe(2);
    expect(other.ticks).toHaveLength(5);
    clock.remove(other);
    expect(clock.running).toBe(false);
    expect(time.pendingTimers).toBe(0);
  });
});

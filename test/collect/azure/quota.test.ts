import { describe, expect, it } from 'vitest';
import { ResourceGraphQuota, type QuotaSleep } from '../../../shared/collect/azure/graph.js';

/**
 * A fake clock and sleep: sleeps resolve only when the test moves the clock (or wakes them early,
 * as a timer may), so the assertions are about order and state, not machine speed.
 */
function fakeTime() {
  let now = 1_000_000;
  const sleepers: { until: number; resolve: () => void }[] = [];
  const sleep: QuotaSleep = (ms) => new Promise<void>((resolve) => sleepers.push({ until: now + ms, resolve }));
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return {
    now: () => now,
    sleep,
    sleeping: () => sleepers.length,
    /** Moves the clock and wakes the sleepers due by then. */
    async advance(ms: number): Promise<void> {
      now += ms;
      for (const s of sleepers.filter((x) => x.until <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.resolve();
      }
      await flush();
    },
    /** Wakes every sleeper without moving the clock (a timer firing early). */
    async wakeAll(): Promise<void> {
      for (const s of sleepers.splice(0)) s.resolve();
      await flush();
    },
    flush,
  };
}

describe('ResourceGraphQuota shared by concurrent callers', () => {
  it('holds every concurrent wait() until the reset, not only the first', async () => {
    const time = fakeTime();
    const quota = new ResourceGraphQuota({ now: time.now, sleep: time.sleep });
    const start = time.now();
    quota.throttled({ 'retry-after': '5' });
    const resolvedAt: number[] = [];
    const waits = Array.from({ length: 4 }, () => quota.wait().then(() => resolvedAt.push(time.now())));
    await time.flush();
    expect(resolvedAt).toEqual([]);
    expect(time.sleeping()).toBe(4);
    expect(quota.spent).toBe(true);

    await time.advance(4000);
    expect(resolvedAt).toEqual([]);
    // Woken early (before the reset by the clock): they go back to sleep instead of sending.
    await time.wakeAll();
    expect(resolvedAt).toEqual([]);
    expect(time.sleeping()).toBe(4);

    // A caller arriving later during the window is held too.
    const late = quota.wait().then(() => resolvedAt.push(time.now()));
    await time.flush();
    expect(resolvedAt).toEqual([]);

    await time.advance(1000);
    await Promise.all([...waits, late]);
    expect(resolvedAt).toHaveLength(5);
    expect(resolvedAt.every((t) => t >= start + 5000)).toBe(true);
    expect(quota.spent).toBe(false);
    expect(quota.waits).toBe(5);

    // Once the reset has passed the quota is cleared: the next wait returns without sleeping.
    await quota.wait();
    expect(time.sleeping()).toBe(0);
    expect(quota.waits).toBe(5);
  });

  it('a 429 seen while others wait moves the reset later for all of them', async () => {
    const time = fakeTime();
    const quota = new ResourceGraphQuota({ now: time.now, sleep: time.sleep });
    const start = time.now();
    quota.throttled({ 'retry-after': '2' });
    const resolvedAt: number[] = [];
    const waits = Array.from({ length: 3 }, () => quota.wait().then(() => resolvedAt.push(time.now())));
    await time.advance(1000);
    quota.throttled({ 'retry-after': '10' });
    await time.advance(1000);
    expect(resolvedAt).toEqual([]);
    await time.advance(9000);
    await Promise.all(waits);
    expect(resolvedAt.every((t) => t >= start + 11_000)).toBe(true);
  });

  it('does not wait while quota remains, and takes the reset time from the headers', async () => {
    const time = fakeTime();
    const quota = new ResourceGraphQuota({ now: time.now, sleep: time.sleep });
    quota.update({ 'x-ms-user-quota-remaining': '2', 'x-ms-user-quota-resets-after': '00:00:05' });
    await quota.wait();
    expect(quota.waits).toBe(0);
    quota.update({ 'x-ms-user-quota-remaining': '0', 'x-ms-user-quota-resets-after': '00:00:03' });
    let done = false;
    const w = quota.wait().then(() => (done = true));
    await time.advance(2999);
    expect(done).toBe(false);
    await time.advance(1);
    await w;
    expect(done).toBe(true);
  });
});

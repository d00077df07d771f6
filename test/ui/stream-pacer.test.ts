/**
 * The worker's backpressure (ui/stream-pacer.ts): it runs on while within `ahead` records of the
 * page, waits beyond, and goes on as soon as the page says it has caught up.
 */
import { describe, expect, it } from 'vitest';
import { StreamPacer } from '../../ui/stream-pacer.ts';

describe('stream pacer', () => {
  it('lets the worker run within `ahead` records of the page and holds it beyond until the page catches up', async () => {
    const pacer = new StreamPacer(100);
    pacer.sent(100);
    expect(pacer.behind).toBe(false);
    pacer.sent(50);
    expect(pacer.behind).toBe(true);

    let resumed = false;
    const waiting = pacer.caughtUp().then(() => (resumed = true));
    await Promise.resolve();
    pacer.ingested(20); // 130 ahead: still waiting
    await Promise.resolve();
    await Promise.resolve();
    expect(resumed).toBe(false);
    pacer.ingested(30); // 100 ahead: within reach
    await waiting;
    expect(resumed).toBe(true);
    expect(pacer.behind).toBe(false);
  });

  it('never holds a run that streams without a limit', async () => {
    const pacer = new StreamPacer(Infinity);
    pacer.sent(10_000_000);
    expect(pacer.behind).toBe(false);
    await pacer.caughtUp();
  });
});

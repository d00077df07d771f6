/** How pattern state becomes badges on the nodes (ui/patterns/registry.ts). */
import { describe, expect, it } from 'vitest';
import { renderState, type RenderContext } from '../../ui/patterns/registry.ts';

const ctx: RenderContext = {
  param: () => null,
  observedMax: () => 1,
  isRecent: (t) => t >= 100,
};

const state = (entries: [string, string, number][]) => entries.map(([key, value, changedAt]) => ({ key, value, changedAt }));

describe('saga step badges', () => {
  it('count sagas in flight by step, and ended ones by outcome (settled is a completed saga), and show the latest step', () => {
    const badges = renderState(
      state([
        ['saga.1', 'completed', 10],
        ['saga.2', 'compensated', 20],
        ['saga.3', 'T2:started', 30],
        ['saga.4', 'T2:retry', 40],
        ['saga.5', 'C1:compensating', 120],
        ['saga.6', 'settled', 50],
      ]),
      ctx,
    );
    expect(badges).toEqual([
      { label: 'sagas running', text: '3 (C1 T2×2)', tone: 'warn', level: null, recent: true },
      { label: 'ended', text: '2 ok · 1 undone', tone: 'warn', level: null, recent: true },
      { label: 'saga 5', text: 'C1:compensating', tone: 'warn', level: null, recent: true },
    ]);
  });

  it('on a choreographed service, count the sagas it passed on, not as running', () => {
    const badges = renderState(
      state([
        ['saga.1', 'T3:succeeded', 10],
        ['saga.2', 'C3:compensated', 20],
        ['saga.3', 'T3:failed', 5],
        ['saga.4', 'T3:started', 30],
      ]),
      ctx,
    );
    expect(badges.map((b) => [b.label, b.text])).toEqual([
      ['sagas running', '1 (T3)'],
      ['passed on', '1 done · 1 undone · 1 refused'],
      ['saga 4', 'T3:started'],
    ]);
    expect(badges[2]).toMatchObject({ tone: 'neutral', recent: false });
  });

  it('mark a failed step as bad', () => {
    const badges = renderState(state([['saga.9', 'T3:failed', 5]]), ctx);
    expect(badges[badges.length - 1]).toMatchObject({ label: 'saga 9', text: 'T3:failed', tone: 'bad' });
  });

  it('leave other keys to their renderers', () => {
    const badges = renderState(state([['api->payments.breaker.state', 'OPEN', 1], ['saga.1', 'T1:started', 1]]), ctx);
    expect(badges.map((b) => b.label)).toEqual(['payments breaker', 'sagas running', 'ended', 'saga 1']);
  });
});

describe('circuit breaker failure rate', () => {
  it('shows the rate against the threshold, as a level, coloured by how close it is', () => {
    const at = (rate: string) =>
      renderState(
        state([
          ['api->payments.breaker.failureRate', rate, 120],
          ['api->payments.breaker.failureRateThreshold', '50', 0],
        ]),
        ctx,
      );
    expect(at('10')).toEqual([{ label: 'failure rate', text: '10%/50%', tone: 'good', level: 0.2, recent: true }]);
    expect(at('30')[0]).toMatchObject({ tone: 'warn', level: 0.6 });
    expect(at('75')[0]).toMatchObject({ text: '75%/50%', tone: 'bad', level: 1 });
    expect(at('-1')[0]).toMatchObject({ text: 'too few calls', tone: 'neutral', level: null });
  });
});

describe('concurrency limit', () => {
  it('draws the requests in flight against the adaptive limit', () => {
    const badges = renderState(
      state([
        ['client.limiter.limit', '20', 0],
        ['client.limiter.inflight', '15', 150],
      ]),
      ctx,
    );
    expect(badges).toEqual([{ label: 'limiter in flight', text: '15/20', tone: 'good', level: 0.75, recent: true }]);
    expect(renderState(state([['client.limiter.limit', '20', 0], ['client.limiter.inflight', '20', 0]]), ctx)[0]).toMatchObject({ tone: 'bad', level: 1 });
  });
});

/**
 * Charts a scenario declares (issue 10, item 3): the format is strict, every series must name a
 * counter or gauge the world has (checked on a built world, with field paths), the engine
 * records exactly those metrics per window — counts for counters, time-weighted mean levels
 * for gauges — without touching the trace, and the HTML report draws them.
 */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../sim/engine/metrics.ts';
import { MetricWindows } from '../../sim/engine/metric-windows.ts';
import { renderReport } from '../../sim/report/report.ts';
import { chartErrors } from '../../sim/scenario/chart-metrics.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { builtIn, scenario } from '../helpers.ts';

/** A server behind a client at 200 requests/s for 2 s, with 100 ms windows, as a file says it. */
function smallInput(charts: unknown[]) {
  return {
    version: 1,
    title: 'small',
    description: 'small',
    seed: 3,
    durationMs: 2000,
    metrics: { windowMs: 100 },
    nodes: [{ id: 'server', kind: 'service', workers: 2, serviceTime: { type: 'exponential', meanMs: 5 } }],
    workloads: [{ id: 'client', kind: 'open', target: 'server', arrival: { type: 'poisson', ratePerSec: 200 } }],
    charts,
  };
}

const small = (charts: unknown[]) => scenario(smallInput(charts));

describe('metric windows', () => {
  it('a counter gives its count in each window; events at a boundary open the next window', () => {
    const m = new Metrics(100);
    const c = m.counter('hits');
    const w = new MetricWindows(m, ['hits'], 100);
    c.add(2); // t = 0..99
    w.closeUntil(100); // the engine calls this before the first event at t = 100
    c.add(1); // t = 100
    w.closeUntil(350); // closes [100, 200) and [200, 300)
    c.add(4); // t = 350
    w.finish(420); // [300, 400), then the 20 µs that elapsed of [400, 500)
    expect(w.values).toEqual([[2, 1, 0, 4, 0]]);
  });

  it('a gauge gives its time-weighted mean level in each window, and the last window is as long as it lasted', () => {
    const m = new Metrics(100);
    const g = m.gauge('depth');
    const w = new MetricWindows(m, ['depth'], 100);
    g.set(25, 4); // 0 for 25 µs, then 4 for 75 µs: mean 3
    w.closeUntil(100);
    g.set(150, 0); // 4 for 50 µs, 0 for 50: mean 2
    w.closeUntil(200);
    g.set(200, 10); // 10 from 200 to the end at 250: mean 10 over those 50 µs
    w.finish(250);
    expect(w.values).toEqual([[3, 2, 10]]);
  });

  it('finds the members of metric groups, whose field names may hold dots', () => {
    const m = new Metrics(100);
    const group = m.group('orch', { 'sagas.started': m.counter('unused'), running: m.gauge('unused2') });
    expect(m.find('orch.sagas.started')).toBe(group['sagas.started']);
    expect(m.find('orch.running')).toBe(group.running);
    expect(m.find('orch.sagas')).toBeUndefined();
    expect(m.find('orch.toString')).toBeUndefined();
  });
});

describe('declared charts in a run', () => {
  const charts = [
    { title: 'Outcomes', series: [{ metric: 'client.ok', show: 'count', label: 'ok' }] },
    { title: 'Server', unit: 'requests', series: [{ metric: 'server.inSystem', show: 'level' }] },
  ];

  it('records exactly the charted metrics: the counts add up to the counter, the levels average to the gauge', () => {
    const r = runScenario(small(charts));
    expect(Object.keys(r.chartWindows.metrics)).toEqual(['client.ok', 'server.inSystem']);
    expect(r.chartWindows.windowMs).toBe(100);
    const ok = r.chartWindows.metrics['client.ok'];
    expect(ok).toHaveLength(20);
    expect(ok.reduce((a, b) => a + b, 0)).toBe(r.metrics['client.ok']);
    const inSystem = r.chartWindows.metrics['server.inSystem'];
    const mean = inSystem.reduce((a, b) => a + b, 0) / inSystem.length;
    expect(mean).toBeCloseTo((r.metrics['server.inSystem'] as { mean: number }).mean, 9);
  });

  it('charts are not trace records: a run with them has the trace hash and events of one without', () => {
    const withCharts = runScenario(builtIn('resilience/cascading-failure.json'));
    const without = runScenario(builtIn('resilience/cascading-failure.json', { charts: [] }));
    expect(Object.keys(withCharts.chartWindows.metrics).length).toBeGreaterThan(3);
    expect(without.chartWindows.metrics).toEqual({});
    expect(withCharts.traceHash).toBe(without.traceHash);
    expect(withCharts.events).toBe(without.events);
  });

  it('the cascading-failure lesson charts its fallbacks and the breaker open during the slowdown, not before', () => {
    const r = runScenario(builtIn('resilience/cascading-failure.json'));
    const windowMs = r.chartWindows.windowMs;
    const during = (name: string, fromMs: number, toMs: number) => r.chartWindows.metrics[name].slice(Math.ceil(fromMs / windowMs), Math.floor(toMs / windowMs));
    const fallbacks = r.chartWindows.metrics['api->payments.fallback.fallbacks'];
    expect(fallbacks.reduce((a, b) => a + b, 0)).toBe(r.metrics['api->payments.fallback.fallbacks']);
    expect(Math.max(...during('api->payments.fallback.fallbacks', 0, 20_000))).toBe(0);
    expect(Math.max(...during('api->payments.breaker.open', 0, 20_000))).toBe(0);
    // Payments is slow from 20 s to 35 s: the breaker is open most of that time.
    const open = during('api->payments.breaker.open', 21_000, 35_000);
    expect(open.reduce((a, b) => a + b, 0) / open.length).toBeGreaterThan(0.6);
  });

  it('the token bucket\'s level refills between bursts on the chart, though the bucket adds its fills only when a call looks', () => {
    const s = builtIn('resilience/burst-throttling.json');
    const r = runScenario(s);
    const tokens = r.chartWindows.metrics['client.limiter.tokens'];
    const max = (s.workloads[0].callPath[0] as { maxTokens: number }).maxTokens;
    // After the first burst empties it, the windows' mean levels climb back towards full.
    const emptied = tokens.findIndex((v) => v < max / 10);
    expect(emptied).toBeGreaterThan(0);
    const after = tokens.slice(emptied, emptied + 6);
    expect(after[4]).toBeGreaterThan(after[3]);
    expect(after[3]).toBeGreaterThan(after[2]);
    expect(Math.max(...tokens)).toBeLessThanOrEqual(max);
    expect(Math.min(...tokens)).toBeGreaterThanOrEqual(0);
  });

  it('the HTML report draws each declared chart, with its title and legend', () => {
    const s = small(charts);
    const html = renderReport({ scenario: s, result: runScenario(s), records: [], replay: 'npm run sim -- run s.json', firstMessages: 10 });
    expect(html).toContain('<strong>Outcomes</strong> — client.ok: per window (100 ms windows).');
    expect(html).toContain('aria-label="Server"');
    expect(html).toContain('<title>server.inSystem</title>');
  });
});

describe('chart declarations are checked', () => {
  const errorsOf = (input: unknown[]) => {
    const r = validateScenario(smallInput(input));
    return r.ok ? chartErrors(r.scenario) : r.errors;
  };

  it('a misspelled metric names its field path and the metric meant', () => {
    expect(errorsOf([{ title: 'x', series: [{ metric: 'server.busy', show: 'level' }, { metric: 'server.queuDepth', show: 'level' }] }])).toEqual([
      { path: 'charts[0].series[1].metric', message: 'no counter or gauge named "server.queuDepth" in this scenario; did you mean "server.queueDepth"?' },
    ]);
  });

  it('counters are rates or counts, gauges are levels, histograms are not charted', () => {
    expect(errorsOf([{ title: 'x', series: [{ metric: 'client.ok', show: 'level' }] }, { title: 'y', series: [{ metric: 'server.busy', show: 'rate' }] }, { title: 'z', series: [{ metric: 'client.latencyMs', show: 'level' }] }])).toEqual([
      { path: 'charts[0].series[0].show', message: '"client.ok" is a counter: expected "rate" or "count", got "level"' },
      { path: 'charts[1].series[0].show', message: '"server.busy" is a gauge: expected "level", got "rate"' },
      { path: 'charts[2].series[0].metric', message: '"client.latencyMs" is a histogram: expected a counter or a gauge' },
    ]);
  });

  it('the format is strict: one way of showing per chart, known keys, a title and at least one series', () => {
    const paths = (input: unknown[]) => (errorsOf(input) as { path: string }[]).map((e) => e.path);
    expect(paths([{ title: 'x', series: [{ metric: 'client.ok', show: 'rate' }, { metric: 'server.busy', show: 'level' }] }])).toEqual(['charts[0].series[1].show']);
    expect(paths([{ title: 'x', series: [{ metric: 'client.ok', show: 'rate', colour: 'red' }] }])).toEqual(['charts[0].series[0].colour']);
    expect(paths([{ title: '', series: [] }])).toEqual(['charts[0].title', 'charts[0].series']);
    expect(paths([{ title: 'x', series: [{ metric: 'client.ok', show: 'sum' }] }])).toEqual(['charts[0].series[0].show']);
  });

  it('a variant that removes a pattern may keep the charts of its metrics (they draw nothing)', () => {
    const s = builtIn('resilience/cascading-failure.json', { nodes: builtIn('resilience/cascading-failure.json').nodes.map((n) => (n.kind === 'service' ? { ...n, calls: n.calls.map((c) => ({ ...c, callPath: [] })) } : n)) });
    expect(chartErrors(s).map((e) => e.path)).toContain('charts[0].series[0].metric');
    expect(chartErrors(s, { allowMissing: true })).toEqual([]);
    expect(Object.keys(runScenario(s).chartWindows.metrics)).not.toContain('api->payments.breaker.open');
  });

  it('every built-in scenario declares charts, and they name real metrics', () => {
    for (const path of ['resilience/cascading-failure.json', 'resilience/retry-storm.json', 'resilience/burst-throttling.json', 'transactions/2pc-commit.json', 'transactions/saga-completes.json']) {
      const s = builtIn(path);
      expect(s.charts.length, path).toBeGreaterThan(0);
      expect(chartErrors(s), path).toEqual([]);
    }
  });
});

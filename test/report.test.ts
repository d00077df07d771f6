/**
 * The report's pieces as pure functions: charts, fault marks, state bands, the space-time
 * diagram and the page, from a run and its trace records. Scenario text is data: it is
 * escaped wherever it lands.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../sim/engine/trace.ts';
import { lineChart, stateBandsChart } from '../sim/report/charts.ts';
import { ReportCollector } from '../sim/report/collect.ts';
import { esc } from '../sim/report/html.ts';
import { keyMetricNames, keyMetricValue } from '../sim/report/key-metrics.ts';
import { renderReport } from '../sim/report/report.ts';
import { spaceTimeDiagram } from '../sim/report/spacetime.ts';
import { faultMarks, stateBands } from '../sim/report/timeline.ts';
import { validateScenario } from '../sim/scenario/load.ts';
import { ScenarioRun } from '../sim/scenario/run.ts';
import type { Scenario } from '../sim/scenario/schema.ts';

function scenario(input: unknown): Scenario {
  const r = validateScenario(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.scenario;
}

const EVIL = '<script>alert("x")</script>';

const small = scenario({
  version: 1,
  title: `Title ${EVIL}`,
  description: `Description <img src=x onerror=alert(1)> & "quotes"`,
  watch: `watch <b>this</b>`,
  durationMs: 2000,
  network: { latency: { type: 'constant', ms: 2 } },
  nodes: [
    {
      id: 'api', kind: 'service', label: `<i>API</i>`, serviceTime: { type: 'constant', ms: 5 },
      calls: [{ to: 'db', callPath: [{ type: 'circuit-breaker', name: 'cb', minimumNumberOfCalls: 2, slidingWindowSize: 2, waitDurationInOpenStateMs: 200 }, { type: 'timeout', timeoutMs: 20 }] }],
    },
    { id: 'db', kind: 'service', serviceTime: { type: 'constant', ms: 1 } },
  ],
  workloads: [{ id: 'client', kind: 'open', target: 'api', arrival: { type: 'constant', ratePerSec: 50 }, timeoutMs: 500 }],
  faults: [{ atMs: 500, type: 'slow', node: 'db', factor: 100, durationMs: 600 }, { atMs: 1200, type: 'crash', node: 'db', restartAfterMs: 300 }],
  checks: [{ name: `check ${EVIL}`, type: 'metric', metric: 'client.ok', op: '>', value: 0 }],
  variants: [{ name: 'v', set: { durationMs: 1000 } }],
});

function runWithRecords(s: Scenario, first = 50) {
  const collector = new ReportCollector({ firstMessages: first });
  const all: TraceRecord[] = [];
  const result = new ScenarioRun(s, { listeners: [collector.listener, (r) => all.push(r)] }).finish();
  return { result, records: collector.records, all };
}

describe('escaping', () => {
  it('esc turns markup characters into entities', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('scenario text never becomes markup in the report', () => {
    const { result, records } = runWithRecords(small);
    const html = renderReport({ scenario: small, result, records, replay: `npm run sim -- run 'x<y>.json' --seed 1`, file: 'x<y>.json', firstMessages: 50 });
    expect(html).not.toMatch(/<script|<img|<b>|<i>/i);
    expect(html).toContain('Title &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('Description &lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain('check &lt;script&gt;');
    expect(html).toContain('watch &lt;b&gt;this&lt;/b&gt;');
    expect(html).toContain('x&lt;y&gt;.json');
  });
});

describe('the report page', () => {
  const { result, records } = runWithRecords(small);
  const html = renderReport({ scenario: small, result, records, replay: 'npm run sim -- run s.json --seed 1', firstMessages: 20 });

  it('shows identity, checks, replay, latency, charts, bands and the diagram', () => {
    expect(html).toContain(`<code>${result.traceHash}</code>`);
    expect(html).toContain(`<code>${result.scenarioHash}</code>`);
    expect(html).toMatch(/<h2>Latency percentiles<\/h2>.*client\.latencyMs/s);
    expect(html).toContain('aria-label="Answers per second"');
    expect(html).toContain('aria-label="Errors, timeouts and rejections per second"');
    expect(html).toContain('aria-label="Latency of successful requests"');
    expect(html).toContain('aria-label="Pattern and node states over time"');
    expect(html).toContain('aria-label="Space-time diagram of the first 20 messages"');
    expect(html).toContain('<pre><code>npm run sim -- run s.json --seed 1</code></pre>');
    expect(html).toContain('default-src &#39;none&#39;'.replace(/&#39;/g, "'"));
  });

  it('is a pure function of the run: the same run, the same bytes', () => {
    const again = runWithRecords(small);
    expect(again.result.traceHash).toBe(result.traceHash);
    expect(renderReport({ scenario: small, result: again.result, records: again.records, replay: 'npm run sim -- run s.json --seed 1', firstMessages: 20 })).toBe(html);
  });

  it('with every record instead of the collected ones, the page is the same', () => {
    const { all } = runWithRecords(small);
    expect(renderReport({ scenario: small, result, records: all, replay: 'npm run sim -- run s.json --seed 1', firstMessages: 20 })).toBe(html);
  });
});

describe('fault marks', () => {
  it('pairs a fault with its end, a crash with its restart; instants stay instants', () => {
    const f = (t: number, fault: string, node: string, detail: object): TraceRecord => ({ t, k: 'fault', node, fault, detail: JSON.stringify(detail) });
    const marks = faultMarks(
      [
        f(1000, 'slow', 'db', { id: 1, type: 'slow', node: 'db', factor: 5, durationMs: 2 }),
        f(2000, 'crash', 'api', { id: 2, type: 'crash', node: 'api' }),
        f(3000, 'slow-end', 'db', { id: 1 }),
        f(4000, 'restart', 'api', { id: 3, type: 'restart', node: 'api' }),
        f(5000, 'partition', '', { id: 4, type: 'partition', groups: [['a'], ['b']] }),
        f(6000, 'clock-skew', 'db', { id: 5, type: 'clock-skew', node: 'db', skewMs: 7 }),
        f(7000, 'heal', '', { id: 6, type: 'heal' }),
      ],
      [],
      10,
    );
    expect(marks).toEqual([
      { startMs: 1, endMs: 3, label: 'slow db ×5' },
      { startMs: 2, endMs: 4, label: 'crash api' },
      { startMs: 5, endMs: 7, label: 'partition a | b' },
      { startMs: 6, endMs: null, label: 'clock-skew db 7 ms' },
      { startMs: 7, endMs: null, label: 'heal' },
    ]);
  });

  it('without fault records, from the fault log', () => {
    expect(faultMarks([], [{ atUs: 1_000_000, source: 'timeline', fault: { atMs: 1000, type: 'slow', node: 'db', factor: 2, durationMs: 500 } }], 5000)).toEqual([
      { startMs: 1000, endMs: 1500, label: 'slow db ×2' },
    ]);
  });

  it("from a run's trace: the slowdown and the crash", () => {
    const { result, records } = runWithRecords(small);
    expect(faultMarks(records, result.faultLog, 2000)).toEqual([
      { startMs: 500, endMs: 1100, label: 'slow db ×100' },
      { startMs: 1200, endMs: 1500, label: 'crash db' },
    ]);
  });
});

describe('state bands', () => {
  it("a breaker's band starts in its initial state; node status bands follow pattern states", () => {
    const { records } = runWithRecords(small);
    const bands = stateBands(records, small, 2000);
    expect(bands.map((b) => b.label)).toEqual(['api->db.cb.state', 'db status']);
    const breaker = bands[0].segments;
    expect(breaker[0]).toMatchObject({ fromMs: 0, value: 'CLOSED' });
    expect(breaker.slice(1).map((s) => s.value)).toContain('OPEN');
    expect(breaker.at(-1)!.toMs).toBe(2000);
    expect(bands[1].segments.map((s) => [s.fromMs, s.toMs, s.value])).toEqual([[0, 1200, 'up'], [1200, 1500, 'crashed'], [1500, 2000, 'up']]);
    const svg = stateBandsChart(bands, 2000);
    expect(svg.match(/<rect class="band"/g)!.length).toBe(breaker.length + 3);
  });

  it("before a key's first record: the breaker's initial state from the scenario, a node up; others blank", () => {
    const state = (t: number, node: string, key: string, value: string): TraceRecord => ({ t, k: 'state', node, key, value });
    const bands = stateBands([state(500_000, 'api', 'api->db.cb.state', 'OPEN'), state(700_000, 'db', 'status', 'crashed'), state(900_000, 'api', 'api->db.other.mode', 'degraded')], small, 2000);
    expect(bands.map((b) => [b.label, b.segments.map((s) => [s.fromMs, s.toMs, s.value, s.inferred])])).toEqual([
      ['api->db.cb.state', [[0, 500, 'CLOSED', true], [500, 2000, 'OPEN', false]]],
      ['api->db.other.mode', [[900, 2000, 'degraded', false]]],
      ['db status', [[0, 700, 'up', true], [700, 2000, 'crashed', false]]],
    ]);
  });

  it('numeric states (bucket levels, counts) are not bands', () => {
    const collector = new ReportCollector({ firstMessages: 0 });
    collector.listener({ t: 1, k: 'state', node: 'a', key: 'a.bucket.tokens', value: '12' });
    collector.listener({ t: 2, k: 'state', node: 'a', key: 'a.cb.state', value: 'OPEN' });
    expect(collector.records.map((r) => r.value)).toEqual(['OPEN']);
  });
});

describe('line charts', () => {
  it('draws one path per series with d3, breaking the line at missing values', () => {
    const svg = lineChart({ title: 't', yLabel: 'per s', windowMs: 1000, endMs: 4000, series: [{ label: 'a', values: [1, 2, null, 4] }, { label: `b ${EVIL}`, values: [0, 0, 0, 0] }] });
    const paths = [...svg.matchAll(/<path class="series" d="([^"]*)"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(2);
    expect(paths[0].match(/M/g)).toHaveLength(2); // two pieces around the gap
    expect(paths[1]).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('b &lt;script&gt;');
  });
});

describe('space-time diagram', () => {
  const r = (t: number, k: string, node: string, fields: Record<string, string | number>): TraceRecord => ({ t, k: k as TraceRecord['k'], node, ...fields });
  const records: TraceRecord[] = [
    r(0, 'send', 'client', { to: 'api', msg: 1, parent: -1, type: 'request' }),
    r(1000, 'deliver', 'api', { from: 'client', msg: 1, type: 'request' }),
    r(1500, 'send', 'api', { to: 'client', msg: 2, parent: 1, type: 'response' }),
    r(2000, 'send', 'client', { to: 'api', msg: 3, parent: -1, type: 'request' }),
    r(2000, 'drop', 'client', { to: 'api', msg: 3, reason: 'loss' }),
    r(2500, 'deliver', 'client', { from: 'api', msg: 2, type: 'response' }),
    r(3000, 'send', 'client', { to: 'api', msg: 4, parent: -1, type: 'request' }),
    r(3000, 'timer', 'client', { tag: 'x' }),
  ];

  it('draws an arrow per delivery, a dashed line and × per drop, in the order given', () => {
    const svg = spaceTimeDiagram(records, { order: ['client', 'api'] });
    expect(svg.match(/<line class="msg"/g)).toHaveLength(2);
    expect(svg.match(/<g class="drop">/g)).toHaveLength(1);
    expect(svg).toContain('>loss</text>');
    expect(svg).toContain('not delivered before the run ended');
    expect([...svg.matchAll(/data-node="([^"]+)"/g)].map((m) => m[1])).toEqual(['client', 'api']);
  });

  it('--first N keeps the first N messages by order of sending', () => {
    const svg = spaceTimeDiagram(records, { first: 2 });
    expect(svg.match(/<line class="msg"/g)).toHaveLength(2);
    expect(svg).not.toContain('<g class="drop">');
    expect(svg).toContain('aria-label="Space-time diagram of the first 2 messages"');
  });
});

describe('key metrics', () => {
  it("a workload's outcomes, latency and throughput, then the metrics checks name", () => {
    expect(keyMetricNames([small])).toEqual([
      'client.requests', 'client.ok', 'client.fallback', 'client.error', 'client.timeout', 'client.rejected',
      'client.latencyMs.p50', 'client.latencyMs.p99', 'client.throughputPerSec',
    ]);
    const withCheck = scenario({ ...JSON.parse(JSON.stringify(small)), checks: [{ type: 'metric', metric: 'api.rejected', op: '==', value: 0 }] });
    expect(keyMetricNames([withCheck]).at(-1)).toBe('api.rejected');
    const result = { metrics: { 'c.ok': 30, 'c.fallback': 10, 'c.latencyMs': { p50: 1 } }, simTimeUs: 2_000_000 };
    expect(keyMetricValue(result, 'c.throughputPerSec')).toBe(20);
    expect(keyMetricValue(result, 'c.latencyMs.p50')).toBe(1);
    expect(keyMetricValue(result, 'nope')).toBeNull();
  });
});

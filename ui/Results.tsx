import { useMemo } from 'react';
import type { RunResult } from '../sim/scenario/run.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { formatNumber, formatSimTime } from './format.ts';
import { SeriesChart, type ChartLine } from './SeriesChart.tsx';

interface Props {
  result: RunResult;
  scenario: Scenario;
  /** The command that replays this run, or null when there is no file to name. */
  replay: string | null;
}

export function Results({ result, scenario, replay }: Props) {
  const passed = result.checks.filter((c) => c.ok).length;
  return (
    <section className="results" aria-label="Run results" data-testid="results">
      <dl className="summary">
        <div>
          <dt>Outcome</dt>
          <dd data-testid="outcome" className={result.outcome.status === 'completed' ? 'good' : 'warn'}>
            {result.outcome.status === 'completed' ? 'completed' : `stopped by limit: ${result.outcome.reason}`}
          </dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd data-testid="events">{formatNumber(result.events)}</dd>
        </div>
        <div>
          <dt>Simulated time</dt>
          <dd>{formatSimTime(result.simTimeUs)}</dd>
        </div>
        <div>
          <dt>Checks</dt>
          <dd className={passed === result.checks.length ? 'good' : 'bad'}>
            {passed} / {result.checks.length} passed
          </dd>
        </div>
      </dl>

      <DeterminismBadge result={result} replay={replay} />

      <WorkloadChart result={result} scenario={scenario} />

      {result.checks.length > 0 && (
        <>
          <h3>Checks</h3>
          <CheckList checks={result.checks} testId="checks" />
        </>
      )}

      <MetricsTables metrics={result.metrics} />
    </section>
  );
}

/** The three numbers that identify a run: same scenario + same seed ⇒ same trace hash. */
function DeterminismBadge({ result, replay }: { result: RunResult; replay: string | null }) {
  return (
    <div className="badge" data-testid="determinism-badge">
      <div className="badge-row">
        <span className="badge-label">trace</span>
        <code data-testid="trace-hash">{result.traceHash}</code>
        <span className="badge-label">seed</span>
        <code data-testid="run-seed">{result.seed}</code>
        <span className="badge-label">scenario</span>
        <code data-testid="scenario-hash">{result.scenarioHash}</code>
      </div>
      {replay && (
        <div className="badge-replay">
          Same run on the command line: <code>{replay}</code>
        </div>
      )}
    </div>
  );
}

function WorkloadChart({ result, scenario }: { result: RunResult; scenario: Scenario }) {
  const chart = useMemo(() => {
    const workload = scenario.workloads.find((w) => result.series[`${w.id}.ok`] !== undefined);
    if (!workload) return null;
    const ok = result.series[`${workload.id}.ok`];
    // A series stops at its last non-empty window; draw every series over the whole run.
    const windows = Math.max(ok.counts.length, Math.ceil(scenario.durationMs / ok.windowMs));
    const pad = (counts: number[]) => (counts.length >= windows ? counts : [...counts, ...new Array<number>(windows - counts.length).fill(0)]);
    const lines: ChartLine[] = [{ label: 'ok', counts: pad(ok.counts), className: 'ok' }];
    const timeout = result.series[`${workload.id}.timeout`];
    if (timeout && timeout.windowMs === ok.windowMs && timeout.counts.some((c) => c > 0)) {
      lines.push({ label: 'timeout', counts: pad(timeout.counts), className: 'timeout' });
    }
    return { workload: workload.id, windowMs: ok.windowMs, lines };
  }, [result, scenario]);
  if (!chart) return null;
  return (
    <SeriesChart
      title={`Replies to ${chart.workload} per second (${formatNumber(chart.windowMs)} ms windows)`}
      windowMs={chart.windowMs}
      lines={chart.lines}
      durationMs={scenario.durationMs}
    />
  );
}

const HISTOGRAM_COLUMNS = ['count', 'mean', 'p50', 'p90', 'p99', 'max'] as const;

function MetricsTables({ metrics }: { metrics: RunResult['metrics'] }) {
  const counters: [string, number][] = [];
  const gauges: [string, Record<string, number>][] = [];
  const histograms: [string, Record<string, number>][] = [];
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value === 'number') counters.push([name, value]);
    else if ('p50' in value) histograms.push([name, value]);
    else gauges.push([name, value]);
  }
  return (
    <div className="metrics" data-testid="metrics">
      {histograms.length > 0 && (
        <>
          <h3>Latency (ms)</h3>
          <table>
            <thead>
              <tr>
                <th>histogram</th>
                {HISTOGRAM_COLUMNS.map((c) => (
                  <th key={c} className="num">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {histograms.map(([name, h]) => (
                <tr key={name}>
                  <td>{name}</td>
                  {HISTOGRAM_COLUMNS.map((c) => (
                    <td key={c} className="num">
                      {h[c] === undefined ? '–' : formatNumber(h[c])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <div className="metrics-columns">
        {counters.length > 0 && (
          <div>
            <h3>Counters</h3>
            <table>
              <tbody>
                {counters.map(([name, v]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td className="num">{formatNumber(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {gauges.length > 0 && (
          <div>
            <h3>Gauges</h3>
            <table>
              <thead>
                <tr>
                  <th>gauge</th>
                  <th className="num">time-avg</th>
                  <th className="num">max</th>
                  <th className="num">at end</th>
                </tr>
              </thead>
              <tbody>
                {gauges.map(([name, g]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td className="num">{formatNumber(g.mean)}</td>
                    <td className="num">{formatNumber(g.max)}</td>
                    <td className="num">{formatNumber(g.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}

/** A run's checks, each PASS or FAIL with its name and measured detail (as text). */
export function CheckList({ checks, testId }: { checks: RunResult['checks']; testId?: string }) {
  return (
    <ul className="checks" data-testid={testId}>
      {checks.map((c, i) => (
        <li key={i} className={c.ok ? 'pass' : 'fail'}>
          <span className="verdict">{c.ok ? 'PASS' : 'FAIL'}</span>
          <span className="check-name">{c.name}</span>
          <span className="check-detail">{c.detail}</span>
        </li>
      ))}
    </ul>
  );
}

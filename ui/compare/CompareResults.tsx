/**
 * What a comparison found, once both runs are complete: the metrics delta table (A, B, B − A,
 * relative change, coloured where the metric's good direction is known) and each side's
 * checks and trace hash. Every label is React text.
 */
import type { RunResult } from '../../sim/scenario/run.ts';
import { deltaRows, formatChange, formatRelative, formatValue, type DeltaRow } from './delta.ts';
import type { RunningSide } from './pair.ts';
import { CheckList } from '../Results.tsx';

export function CompareResults({ a, b }: { a: RunningSide; b: RunningSide }) {
  const resultA = a.session.result;
  const resultB = b.session.result;
  if (!resultA || !resultB) return null;
  const rows = deltaRows({ scenario: a.resolved.scenario, result: resultA }, { scenario: b.resolved.scenario, result: resultB });
  return (
    <section className="compare-results" aria-label="Comparison" data-testid="compare-results">
      <h3>
        Metrics: <span className="side-a-text">A {a.resolved.label}</span> → <span className="side-b-text">B {b.resolved.label}</span>
      </h3>
      <DeltaTable rows={rows} labelA={a.resolved.label} labelB={b.resolved.label} />
      <p className="muted compare-footnote">
        Latency in ms, of successful requests; throughput: ok + fallback answers per simulated second. Green: B is better than A on that metric, red:
        worse; uncoloured: no better direction (requests, fallbacks, pattern counters), or latency when one side answered over 10% fewer requests ok
        per second (then lower latency is of the requests that still succeeded: hover the row for the numbers).
      </p>
      <div className="compare-checks">
        <SideChecks name="A" label={a.resolved.label} result={resultA} />
        <SideChecks name="B" label={b.resolved.label} result={resultB} />
      </div>
    </section>
  );
}

/** In the sandbox's metrics table style (.metrics in styles.css); the change cells coloured by verdict. */
function DeltaTable({ rows, labelA, labelB }: { rows: DeltaRow[]; labelA: string; labelB: string }) {
  return (
    <div className="metrics">
      <table className="compare-delta" data-testid="compare-delta">
        <thead>
          <tr>
            <th>metric</th>
            <th className="num" title={labelA}>
              A
            </th>
            <th className="num" title={labelB}>
              B
            </th>
            <th className="num">B − A</th>
            <th className="num">change</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.metric} className={r.verdict ? `verdict-${r.verdict}` : undefined} data-metric={r.metric} data-verdict={r.verdict ?? ''} title={r.note}>
              <td>
                {r.metric}
                {r.note && (
                  <span className="delta-caveat" aria-label={r.note}>
                    {' '}
                    (not judged)
                  </span>
                )}
              </td>
              <td className="num">{formatValue(r.a)}</td>
              <td className="num">{formatValue(r.b)}</td>
              <td className="num delta-change">{formatChange(r.change)}</td>
              <td className="num delta-relative">{formatRelative(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SideChecks({ name, label, result }: { name: string; label: string; result: RunResult }) {
  const id = name.toLowerCase();
  const passed = result.checks.filter((c) => c.ok).length;
  return (
    <div className="compare-side-checks" data-testid={`compare-checks-${id}`}>
      <h4>
        <span className={`compare-side-tag side-${id}`}>{name}</span> {label}:{' '}
        <span className={passed === result.checks.length ? 'good' : 'bad'}>
          {passed} of {result.checks.length} checks passed
        </span>
      </h4>
      <div className="badge-row compare-hashes">
        <span className="badge-label">trace</span>
        <code data-testid={`compare-trace-hash-${id}`}>{result.traceHash}</code>
        <span className="badge-label">seed</span>
        <code>{result.seed}</code>
        <span className="badge-label">scenario</span>
        <code>{result.scenarioHash}</code>
      </div>
      {result.checks.length > 0 && <CheckList checks={result.checks} />}
    </div>
  );
}

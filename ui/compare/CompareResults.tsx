/**
 * What a comparison found, once every run is complete: the metrics delta table — two sides: A,
 * B, B − A and the relative change; more: each side's value and its change from A — coloured
 * where the metric's good direction is known, and each side's checks and trace hash. Every
 * label is React text.
 */
import type { RunResult } from '../../sim/scenario/run.ts';
import { deltaRows, formatChange, formatRelative, formatValue, type DeltaRow } from './delta.ts';
import type { RunningSide } from './pair.ts';
import { CheckList } from '../Results.tsx';
import { SIDE_NAMES } from './sides.ts';

export function CompareResults({ sides }: { sides: readonly RunningSide[] }) {
  const results = sides.map((s) => s.session.result);
  if (results.some((r) => !r)) return null;
  const [a, b] = sides;
  const resultA = results[0]!;
  const resultB = results[1]!;
  if (sides.length > 2) return <ManyResults sides={sides} />;
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

/**
 * Three or four sides: one table, a value column per side and, for every side but A, its
 * change from A coloured by the same rules as the two-side table (latency not judged when far
 * fewer requests succeed).
 */
function ManyResults({ sides }: { sides: readonly RunningSide[] }) {
  const base = sides[0];
  const compared = sides.slice(1).map((s) => deltaRows({ scenario: base.resolved.scenario, result: base.session.result! }, { scenario: s.resolved.scenario, result: s.session.result! }));
  const metrics = [...new Set(compared.flatMap((rows) => rows.map((r) => r.metric)))];
  const byMetric = compared.map((rows) => new Map(rows.map((r) => [r.metric, r])));
  return (
    <section className="compare-results" aria-label="Comparison" data-testid="compare-results">
      <h3>Metrics: each side against A ({base.resolved.label})</h3>
      <div className="metrics">
        <table className="compare-delta compare-delta-many" data-testid="compare-delta">
          <thead>
            <tr>
              <th>metric</th>
              {sides.map((s, i) => (
                <th key={i} className="num" colSpan={i === 0 ? 1 : 2} title={s.resolved.label} data-testid="compare-delta-side">
                  <span className={`compare-side-tag side-${SIDE_NAMES[i].toLowerCase()}`}>{SIDE_NAMES[i]}</span> {s.resolved.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {metrics.map((metric) => {
              const first = byMetric.map((m) => m.get(metric)).find((r) => r !== undefined);
              return (
                <tr key={metric} data-metric={metric}>
                  <td>{metric}</td>
                  <td className="num">{formatValue(first?.a ?? null)}</td>
                  {byMetric.map((m, i) => {
                    const r = m.get(metric);
                    return [
                      <td key={`v${i}`} className="num">
                        {formatValue(r?.b ?? null)}
                      </td>,
                      <td key={`c${i}`} className={`num delta-relative${r?.verdict ? ` verdict-${r.verdict}` : ''}`} data-verdict={r?.verdict ?? ''} title={r?.note}>
                        {r ? formatRelative(r) : ''}
                        {r?.note ? ' (not judged)' : ''}
                      </td>,
                    ];
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted compare-footnote">
        Latency in ms, of successful requests; throughput: ok + fallback answers per simulated second. Each change is from side A: green better, red
        worse, uncoloured where no direction is better or (latency) when that side answered over 10% fewer requests ok per second.
      </p>
      <div className="compare-checks compare-checks-many">
        {sides.map((s, i) => (
          <SideChecks key={i} name={SIDE_NAMES[i]} label={s.resolved.label} result={s.session.result!} />
        ))}
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

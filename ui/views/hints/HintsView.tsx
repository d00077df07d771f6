/**
 * Design hints (a sandbox view, loaded on demand): what the scenario's design risks, computed
 * from its calls before anything runs (sim/design/hints.ts) — each with the element it is
 * about; "Show" selects that node, so the topology and the inspector point at it. All text is
 * rendered as text.
 */
import { useMemo } from 'react';
import { designHints, HINT_KINDS, type DesignHint, type HintKind } from '../../../sim/design/hints.ts';
import { formatPath } from '../../../sim/scenario/load.ts';
import type { Scenario } from '../../../sim/scenario/schema.ts';
import type { ViewProps } from '../types.ts';
import './hints.css';

/** Each kind's heading, in the order hints are listed. */
export const HINT_TITLES: Record<HintKind, string> = {
  'no-timeout': 'Calls without a timeout',
  'retry-amplification': 'Retries at several layers',
  'unprotected-dependency': 'Dependencies with no breaker or bulkhead',
  'queue-without-dead-letter': 'Queues with no dead-letter limit',
  'single-point-of-failure': 'Single points of failure',
  overloaded: 'Offered more than it can serve (ρ ≥ 1)',
  'timeout-shorter-than-chain': 'Timeouts shorter than the calls below them',
};

/** The run's node a hint points at: the node itself, or a group's first instance. */
export function nodeOfHint(hint: DesignHint, scenario: Scenario, nodeIndex: ReadonlyMap<string, number>): number | null {
  const direct = nodeIndex.get(hint.node);
  if (direct !== undefined) return direct;
  const member = [...scenario.nodes, ...scenario.workloads].find((n) => 'group' in n && n.group === hint.node);
  return member === undefined ? null : (nodeIndex.get(member.id) ?? null);
}

export default function HintsView({ scenario, store, onSelect }: ViewProps) {
  const hints = useMemo(() => designHints(scenario), [scenario]);
  if (hints.length === 0) {
    return (
      <p className="muted hints-note" data-testid="hints-none">
        No design hints: every call has a timeout and a guard, no retries multiply, nothing is a single point of failure, no service is offered more than it can serve.
      </p>
    );
  }
  return (
    <div className="hints" data-testid="hints">
      <p className="muted hints-note">
        Read from the design before it runs: advice, not errors — a scenario may mean to show the problem. {hints.length} hint{hints.length === 1 ? '' : 's'}.
      </p>
      {HINT_KINDS.map((kind) => {
        const ofKind = hints.filter((h) => h.kind === kind);
        if (ofKind.length === 0) return null;
        return (
          <section key={kind} className="hints-kind" data-testid={`hints-${kind}`}>
            <h3>
              {HINT_TITLES[kind]} <span className="muted">({ofKind.length})</span>
            </h3>
            <ul>
              {ofKind.map((h, i) => {
                const node = nodeOfHint(h, scenario, store.nodeIndex);
                return (
                  <li key={i} className="hint">
                    <span className="hint-text">{h.message}</span>
                    <code className="hint-path">{formatPath(h.path)}</code>
                    {node !== null && (
                      <button type="button" className="hint-show" onClick={() => onSelect({ kind: 'node', node })} title={`Select ${h.node} in the topology and the inspector`}>
                        Show {h.node}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

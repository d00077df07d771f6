/**
 * Words for the transaction timeline: what each segment and mark means, for tooltips and
 * labels, with the step names and participant lists the scenario gives (the trace only says
 * `T2` and names nodes). Pure functions: the view renders the strings as text.
 */
import type { Scenario } from '../../../sim/scenario/schema.ts';
import { formatSimTime } from '../../format.ts';
import type { Mark, Segment, SegmentAt, Transaction } from './extract.ts';

/** What the scenario says about its transaction coordinators. */
export interface TransactionTopology {
  /** Saga owner (orchestrator or starter id) → per step (from 1 at index 0): "create order (orders)". */
  steps: Map<string, string[]>;
  /** Saga owner → 'orchestrated' | 'choreographed'. */
  style: Map<string, string>;
  /** 2PC coordinator id → its participants, in the scenario's order. */
  participants: Map<string, string[]>;
  /** True if the scenario has any saga or 2PC coordinator. */
  any: boolean;
}

export function transactionTopology(scenario: Scenario): TransactionTopology {
  const topo: TransactionTopology = { steps: new Map(), style: new Map(), participants: new Map(), any: false };
  for (const n of scenario.nodes) {
    if (n.kind === 'saga-orchestrator') {
      topo.steps.set(n.id, n.steps.map((s) => (s.name ? `${s.name} (${s.service})` : s.service)));
      topo.style.set(n.id, 'orchestrated');
      topo.any = true;
    } else if (n.kind === 'saga-starter') {
      topo.steps.set(n.id, n.order.map((line) => line.service));
      topo.style.set(n.id, 'choreographed');
      topo.any = true;
    } else if (n.kind === '2pc-coordinator') {
      topo.participants.set(n.id, n.participants);
      topo.any = true;
    }
  }
  return topo;
}

/** "T2 charge payment (payments)", or "T2" when the scenario does not say. */
export function stepTitle(topo: TransactionTopology, txn: Transaction, segment: Segment): string {
  if (segment.step <= 0) return segment.label;
  const name = topo.steps.get(txn.owner)?.[segment.step - 1];
  return name ? `${segment.label} ${name}` : segment.label;
}

const ENDINGS: Record<string, string> = {
  succeeded: 'succeeded',
  failed: 'failed: the service said NO, nothing applied',
  'timed-out': 'timed out: may have been applied, so it is compensated too',
  compensated: 'compensated',
  settled: 'settled',
  commit: 'then COMMIT',
  abort: 'then ABORT',
  end: 'then END',
  no: 'voted NO',
  lost: 'the coordinator crashed before deciding: transaction lost (presumed abort)',
};

const MEANINGS: Record<Segment['kind'], string> = {
  step: 'forward step',
  compensation: 'compensation (undo)',
  settling: 'settling: releasing the PENDING marks',
  voting: 'WAIT: PREPARE sent, collecting votes',
  committing: 'COMMIT is on the log: sending COMMIT, waiting for every ACK',
  'lock-wait': 'WAITING for its locks before it can vote',
  blocked: 'PREPARED: voted YES, holds its locks and may not decide alone (blocked)',
  'in-doubt': 'IN_DOUBT: still blocked, asking for the outcome',
};

/** The tooltip of a segment at the cursor. */
export function segmentText(topo: TransactionTopology, txn: Transaction, at: SegmentAt, nodeName: string): string {
  const s = at.segment;
  const head = s.kind === 'step' || s.kind === 'compensation' ? `${stepTitle(topo, txn, s)}: ${MEANINGS[s.kind]}` : MEANINGS[s.kind];
  const length = formatSimTime(at.endUs - s.startUs);
  const when = `from ${formatSimTime(s.startUs)}`;
  const how = at.open ? `${length} so far` : `${length}${s.outcome && ENDINGS[s.outcome] ? `, ${ENDINGS[s.outcome]}` : ''}`;
  return `${txn.id} · ${head} · ${how} (${when}, ${nodeName})`;
}

const MARK_MEANINGS: Record<Mark['kind'], string> = {
  retry: 'sent again (same idempotency key)',
  failed: 'step failed',
  completed: 'saga completed: every step applied',
  compensated: 'saga compensated: every applied step undone',
  commit: 'COMMIT',
  abort: 'ABORT',
  end: 'END: every participant acknowledged',
  'vote-no': 'voted NO',
  lost: 'the coordinator crashed while collecting votes: the transaction is lost (presumed abort)',
};

export function markText(txn: Transaction, mark: Mark, nodeName: string): string {
  return `${txn.id} · ${mark.label} — ${MARK_MEANINGS[mark.kind]} at ${formatSimTime(mark.t)} (${nodeName})`;
}

/** The outcome column's text at the cursor. */
export function outcomeText(txn: Transaction, outcome: Transaction['outcome']): string {
  if (outcome !== null) return outcome.kind;
  return txn.protocol === 'saga' ? 'running' : 'deciding';
}

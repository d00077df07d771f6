import type { TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant, TraceScope, Violation } from './invariants.ts';

/**
 * Two-phase commit invariants, rebuilt from `state` records alone (never from the nodes'
 * memory, so a bug there cannot hide itself). The protocol's nodes write one record per step
 * of a transaction under the key `txn.<id>`:
 *
 * - the coordinator: `WAIT` (PREPARE sent to its participants), `COMMIT` (the decision is on
 *   its log), `ABORT`, `END` (every participant acknowledged the commit);
 * - a participant: `WAITING` (for a lock), `PREPARED` (voted YES: logged, locks held),
 *   `NO` (voted NO, aborted locally), `IN_DOUBT` (prepared and asking for the outcome),
 *   `COMMIT`, `ABORT`.
 *
 * A checker watches the transactions of one coordinator: those it saw a `WAIT` for, and the
 * participants the coordinator names. `COMMIT` at a node is a commit decision; `ABORT` and
 * `NO` are abort decisions.
 */
export const TXN_KEY_PREFIX = 'txn.';

export interface TwoPcTopology {
  coordinator: string;
  participants: readonly string[];
}

export type TwoPcRule = 'atomicity' | 'participant-voted-yes' | 'coordinator-all-yes';

const DESCRIPTIONS: Record<TwoPcRule, string> = {
  atomicity: '2PC atomicity: no transaction commits at one node and aborts at another',
  'participant-voted-yes': '2PC: a participant commits only a transaction it voted YES for',
  'coordinator-all-yes': '2PC: the coordinator decides COMMIT only after every participant voted YES',
};

interface Decision {
  commit: boolean;
  node: string;
  value: string;
  t: number;
}

interface TxnView {
  /** The first decision anyone made (the coordinator's, or a participant's). */
  first: Decision | null;
  /** Participants that recorded a YES vote (PREPARED). */
  yes: Set<string>;
  /** Participants that recorded a NO vote or aborted before voting. */
  refused: Set<string>;
}

export class TwoPcInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private readonly participants: ReadonlySet<string>;
  private readonly txns = new Map<string, TxnView>();

  constructor(
    readonly rule: TwoPcRule,
    private readonly topology: TwoPcTopology,
  ) {
    this.participants = new Set(topology.participants);
  }

  describe = (): string => `${this.topology.coordinator}: ${DESCRIPTIONS[this.rule]}`;
  readonly kinds = ['state'] as const;
  get scope(): TraceScope {
    return { nodes: [this.topology.coordinator, ...this.topology.participants] };
  }

  onRecord(r: TraceRecord): void {
    if (r.k !== 'state' || this.violation !== null) return;
    const key = r.key as string;
    if (!key.startsWith(TXN_KEY_PREFIX)) return;
    const txn = key.slice(TXN_KEY_PREFIX.length);
    const value = r.value as string;
    if (r.node === this.topology.coordinator) this.onCoordinator(r, txn, value);
    else if (this.participants.has(r.node)) this.onParticipant(r, txn, value);
  }

  private onCoordinator(r: TraceRecord, txn: string, value: string): void {
    if (value === 'WAIT') {
      if (!this.txns.has(txn)) this.txns.set(txn, { first: null, yes: new Set(), refused: new Set() });
      return;
    }
    const view = this.txns.get(txn);
    if (view === undefined || (value !== 'COMMIT' && value !== 'ABORT')) return;
    this.examined++;
    if (this.rule === 'coordinator-all-yes' && value === 'COMMIT') {
      for (const p of this.topology.participants) {
        if (!view.yes.has(p) || view.refused.has(p)) {
          const why = view.refused.has(p) ? `${p} voted NO` : `${p} had not voted YES`;
          this.fail(r, `${this.topology.coordinator} decided COMMIT for ${txn}, but ${why}`);
          return;
        }
      }
    }
    this.decide(r, txn, view, value === 'COMMIT', value);
  }

  private onParticipant(r: TraceRecord, txn: string, value: string): void {
    const view = this.txns.get(txn);
    if (view === undefined) return;
    switch (value) {
      case 'PREPARED':
        view.yes.add(r.node);
        return;
      case 'NO':
        view.refused.add(r.node);
        this.examined++;
        return this.decide(r, txn, view, false, value);
      case 'ABORT':
        if (!view.yes.has(r.node)) view.refused.add(r.node);
        this.examined++;
        return this.decide(r, txn, view, false, value);
      case 'COMMIT':
        this.examined++;
        if (this.rule === 'participant-voted-yes' && !view.yes.has(r.node)) {
          return this.fail(r, `${r.node} committed ${txn} without having voted YES`);
        }
        return this.decide(r, txn, view, true, value);
    }
  }

  private decide(r: TraceRecord, txn: string, view: TxnView, commit: boolean, value: string): void {
    const first = view.first;
    if (first === null) {
      view.first = { commit, node: r.node, value, t: r.t };
      return;
    }
    if (this.rule === 'atomicity' && first.commit !== commit) {
      this.fail(r, `${txn}: ${value} at ${r.node}, but ${first.value} at ${first.node} (t=${first.t / 1000} ms)`);
    }
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}

/** The three 2PC invariants for one coordinator and its participants. */
export function twoPhaseCommitInvariants(topology: TwoPcTopology): { name: string; invariant: TraceInvariant }[] {
  return (['atomicity', 'participant-voted-yes', 'coordinator-all-yes'] as const).map((rule) => {
    const invariant = new TwoPcInvariant(rule, topology);
    return { name: invariant.describe(), invariant };
  });
}

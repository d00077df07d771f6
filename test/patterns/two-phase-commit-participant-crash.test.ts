import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { NODE_KINDS } from '../../sim/patterns/node-kinds.ts';
import { participantParams, TwoPcParticipant } from '../../sim/patterns/two-phase-commit.ts';
import { type TwoPcParticipantSpec } from '../../sim/patterns/two-phase-commit.schema.ts';
import { applyVariant, validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';

/**
 * scenarios/transactions/2pc-participant-crash.json: payments crashes just after voting YES,
 * restarts 3 s later and is cut off from the coordinator for 3 s more. A correct participant
 * keeps its PREPARED record, stays blocked (in doubt, row 1 locked) until it learns COMMIT,
 * and commits like everyone else. Participants planted here forget their vote on restart, and
 * the scenario's own checks catch them.
 */

const FILE = new URL('../../scenarios/transactions/2pc-participant-crash.json', import.meta.url);
const raw = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;

function run(variant?: string) {
  const v = validateScenario(variant ? applyVariant(raw, variant) : raw);
  if (!v.ok) throw new Error(v.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const records: TraceRecord[] = [];
  const result = runScenario(v.scenario, { listeners: [(r) => records.push(r)] });
  /** The first transaction's state records, as "node value@ms". */
  const txn1 = records.filter((r) => r.k === 'state' && r.key === 'txn.coordinator:1').map((r) => `${r.node} ${r.value}@${r.t / 1000}`);
  const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
  return { result, txn1, failed };
}

/**
 * The planted bug: a participant whose PREPARED records do not survive a crash. `rollsBack`:
 * its recovery rolls such a transaction back, as a database does with a local transaction it
 * has no PREPARED record of; otherwise it simply knows nothing of it.
 */
class ForgetsPrepared extends TwoPcParticipant {
  constructor(world: ConstructorParameters<typeof TwoPcParticipant>[0], index: number, name: string, spec: TwoPcParticipantSpec, private readonly rollsBack: boolean) {
    super(world, index, name, participantParams(spec));
  }

  override start(): void {
    const log = this.durable.records as Map<string, { status: string }> | undefined;
    for (const [txn, record] of log ?? []) {
      if (record.status !== 'prepared') continue;
      if (!this.rollsBack) log!.delete(txn);
      else {
        log!.set(txn, { ...record, status: 'aborted' });
        this.state(`txn.${txn}`, 'ABORT');
      }
    }
    super.start();
  }
}

describe('built-in scenario transactions/2pc-participant-crash', () => {
  afterEach(() => vi.restoreAllMocks());

  function plantForgetfulParticipants(rollsBack: boolean) {
    vi.spyOn(NODE_KINDS['2pc-participant'], 'create').mockImplementation((world, index, spec: TwoPcParticipantSpec) => new ForgetsPrepared(world, index, spec.id, spec, rollsBack));
  }

  it('payments keeps its YES vote through the crash: in doubt with row 1 locked until the partition heals, then COMMIT like the others', () => {
    const { txn1, failed } = run();
    expect(failed).toEqual([]);
    expect(txn1).toEqual([
      'coordinator WAIT@1000',
      'orders PREPARED@1002', 'payments PREPARED@1002', 'inventory PREPARED@1002',
      'coordinator COMMIT@1004',
      'orders COMMIT@1005', 'inventory COMMIT@1005',
      // Restarted at 4002.5 ms: its log still says PREPARED, so it is in doubt, asking every 100 ms.
      'payments IN_DOUBT@4002.5',
      // The partition from the coordinator ends at 7000 ms; its next inquiry is answered.
      'payments COMMIT@7004.5',
      'coordinator END@7005.5',
    ]);
  });

  it('with cooperative termination payments learns COMMIT from a peer right after its restart', () => {
    const { txn1, failed } = run('cooperative-termination');
    expect(failed).toEqual([]);
    expect(txn1.filter((s) => s.startsWith('payments'))).toEqual(['payments PREPARED@1002', 'payments IN_DOUBT@4002.5', 'payments COMMIT@4004.5']);
  });

  it('catches a participant that forgets PREPARED on restart: it is not blocked, lets others take row 1 and never commits', () => {
    plantForgetfulParticipants(false);
    const { txn1, failed } = run();
    expect(txn1.filter((s) => s.startsWith('payments'))).toEqual(['payments PREPARED@1002']);
    expect(failed).toEqual([
      'payments stayed in doubt through its downtime and the partition after it (6 s)',
      'row 1 stayed locked at payments until then',
      'every participant committed and acknowledged: the coordinator ended the transaction',
      'no COMMIT reached a participant that had forgotten its vote',
      "the second coordinator's transactions on row 1 waited at payments and timed out",
    ]);
  });

  it('catches a participant whose recovery rolls back the transaction it forgot: atomicity breaks', () => {
    plantForgetfulParticipants(true);
    const { result, failed } = run();
    expect(failed).toContain('coordinator: 2PC atomicity: no transaction commits at one node and aborts at another');
    expect(result.checks.find((c) => c.name.startsWith('coordinator: 2PC atomicity'))?.detail).toBe(
      'first violation at t=4002.5 ms on payments: coordinator:1: ABORT at payments, but COMMIT at coordinator (t=1004 ms)',
    );
  });
});

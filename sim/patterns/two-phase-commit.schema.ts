/**
 * What a scenario may say about a two-phase commit's coordinator and participants: their zod
 * schemas and defaults, apart from the protocol (two-phase-commit.ts), so that the page can
 * validate a scenario without loading the engine's pattern code.
 */
import { z } from 'zod';

/**
 * Defaults. No one implementation is the reference here (X/Open XA leaves timeouts to the
 * transaction manager), and real managers use long periods — Narayana's default transaction
 * timeout is 60 s, its periodic recovery runs every 120 s with a 10 s backoff — which make a
 * sandbox tedious to watch. Ours are scaled down, keeping their order: log write ≪ vote
 * timeout ≈ inquiry interval ≈ decision resend.
 */
export const DEFAULTS = {
  /** Transactions a coordinator starts per second (Poisson); 0 = only `transactionTimesMs`. */
  transactionsPerSec: 0,
  /** Keys each transaction locks at each participant. */
  keysPerTransaction: 1,
  /** Keys are drawn uniformly from 1…keySpace: smaller means more lock conflicts. */
  keySpace: 1000,
  /** Coordinator: how long it waits for every vote before aborting (ms). */
  voteTimeoutMs: 1000,
  /** Coordinator: how often it resends COMMIT to participants that have not acknowledged (ms). */
  decisionResendMs: 1000,
  /** A forced log write (an fsync): the coordinator's COMMIT record, a participant's PREPARED record (ms). */
  logWriteMs: 1,
  /** Participant: probability that it votes NO on a PREPARE. */
  voteNoProbability: 0,
  /** Participant: on a lock conflict, wait for the lock or vote NO at once. */
  lockConflict: 'wait' as 'wait' | 'no-wait',
  /** Participant: silence after voting YES before it asks for the outcome, and between asks (ms). */
  inquiryIntervalMs: 1000,
  /** Participant: an in-doubt participant also asks its peers. */
  cooperativeTermination: false,
};

// ---------------------------------------------------------------------------------------------
// Schemas (sim/scenario/schema.ts imports this file through node-kinds.ts, so the building
// blocks are repeated here rather than imported from there)
// ---------------------------------------------------------------------------------------------

const MAX_MS = 1e12;
const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]*$/);
const Label = z.string().max(100);
const Position = z.strictObject({ x: z.number(), y: z.number() });
const nonNegativeMs = () => z.number().min(0).max(MAX_MS);
const positiveMs = () => z.number().positive().max(MAX_MS);
export const MAX_PARTICIPANTS = 1000;

export const TwoPcCoordinatorSchema = z
  .strictObject({
    id: Id,
    kind: z.literal('2pc-coordinator'),
    label: Label.optional(),
    position: Position.optional(),
    participants: z.array(Id).min(1).max(MAX_PARTICIPANTS).describe('The 2pc-participant nodes every transaction involves.'),
    transactionsPerSec: z.number().min(0).max(1e6).default(DEFAULTS.transactionsPerSec).describe('Poisson rate of new transactions, from startMs to stopMs; 0 = none.'),
    transactionTimesMs: z.array(nonNegativeMs()).max(100_000).default(() => []).describe('A transaction starts at each of these times (in addition to the Poisson ones).'),
    startMs: nonNegativeMs().default(0).describe('When Poisson arrivals begin.'),
    stopMs: nonNegativeMs().nullable().default(null).describe('When Poisson arrivals end; null = at the end of the run.'),
    keysPerTransaction: z.int().min(1).max(100).default(DEFAULTS.keysPerTransaction).describe('Keys each transaction locks at each participant.'),
    keySpace: z.int().min(1).max(1e9).default(DEFAULTS.keySpace).describe('Keys are drawn uniformly from 1…keySpace.'),
    voteTimeoutMs: positiveMs().default(DEFAULTS.voteTimeoutMs).describe('Abort if the votes are not all in by then.'),
    decisionResendMs: positiveMs().default(DEFAULTS.decisionResendMs).describe('Resend COMMIT to participants that have not acknowledged, this often.'),
    logWriteMs: nonNegativeMs().default(DEFAULTS.logWriteMs).describe('Time to force the COMMIT record to the log.'),
  })
  .superRefine((s, ctx) => {
    if (s.keysPerTransaction > s.keySpace) {
      ctx.addIssue({ code: 'custom', path: ['keysPerTransaction'], message: `expected at most keySpace (${s.keySpace}), got ${s.keysPerTransaction}` });
    }
    if (s.stopMs !== null && s.stopMs < s.startMs) {
      ctx.addIssue({ code: 'custom', path: ['stopMs'], message: `expected a number ≥ startMs (${s.startMs}) or null, got ${s.stopMs}` });
    }
    const seen = new Map<string, number>();
    s.participants.forEach((p, i) => {
      if (p === s.id) ctx.addIssue({ code: 'custom', path: ['participants', i], message: 'a coordinator cannot be its own participant' });
      const first = seen.get(p);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['participants', i], message: `${JSON.stringify(p)} is already participants[${first}]` });
      else seen.set(p, i);
    });
  });

export const TwoPcParticipantSchema = z.strictObject({
  id: Id,
  kind: z.literal('2pc-participant'),
  label: Label.optional(),
  position: Position.optional(),
  voteNoProbability: z.number().min(0).max(1).default(DEFAULTS.voteNoProbability).describe('Probability of voting NO on a PREPARE.'),
  lockConflict: z.enum(['wait', 'no-wait']).default(DEFAULTS.lockConflict).describe('On a lock conflict: queue until the keys are free, or vote NO at once.'),
  inquiryIntervalMs: positiveMs().default(DEFAULTS.inquiryIntervalMs).describe('A prepared participant that hears nothing asks for the outcome this often.'),
  cooperativeTermination: z.boolean().default(DEFAULTS.cooperativeTermination).describe('An in-doubt participant also asks its peers.'),
  logWriteMs: nonNegativeMs().default(DEFAULTS.logWriteMs).describe('Time to force the PREPARED record to the log.'),
});

export type TwoPcCoordinatorSpec = z.output<typeof TwoPcCoordinatorSchema>;
export type TwoPcParticipantSpec = z.output<typeof TwoPcParticipantSchema>;

/** Node ids a coordinator refers to, with field paths relative to the node (for validation). */
export function twoPcCoordinatorReferences(spec: TwoPcCoordinatorSpec): { path: (string | number)[]; id: string }[] {
  return spec.participants.map((id, i) => ({ path: ['participants', i], id }));
}

/**
 * What a scenario may say about a saga orchestrator (saga-orchestrator.ts, whose comment
 * explains the defaults): its zod schema, apart from the behaviour so that the page can validate
 * a scenario without loading the engine's pattern code.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition, STEP_TYPES, StepTypeSchema, type StepType } from '../nodes/data-service.schema.ts';

export const SagaStepSchema = z
  .strictObject({
    service: KindId.describe('The data-service node that runs this step.'),
    name: z.string().max(100).optional().describe('What the step does, for display ("charge payment").'),
    type: StepTypeSchema.default('compensatable').describe('compensatable (before the pivot), pivot (the go/no-go step) or retriable (after the pivot).'),
    amount: z.int().min(0).max(1e9).default(0).describe('What the step takes from a debit service (price, quantity); record services ignore it.'),
    amountMax: z.int().min(0).max(1e9).optional().describe('If set, each saga draws its amount uniformly from amount…amountMax.'),
  })
  .superRefine(amountRange);

/** The contents of one line of an order: what a service takes, drawn per saga. */
export const OrderLineSchema = z
  .strictObject({
    service: KindId.describe('The data service this line is for.'),
    amount: z.int().min(0).max(1e9).default(0),
    amountMax: z.int().min(0).max(1e9).optional(),
  })
  .superRefine(amountRange);

function amountRange(s: { amount: number; amountMax?: number }, ctx: z.RefinementCtx): void {
  if (s.amountMax !== undefined && s.amountMax < s.amount) {
    ctx.addIssue({ code: 'custom', path: ['amountMax'], message: `expected a number ≥ amount (${s.amount}), got ${s.amountMax}` });
  }
}

const ms = () => z.number().min(0).max(1e12);

/** When sagas start: shared by the orchestrator and the choreography's starter. */
export const sagaArrivalFields = {
  sagasPerSec: z.number().min(0).max(1e6).default(0).describe('Sagas start as a Poisson process at this rate (0: none).'),
  startAtMs: z.array(ms()).max(100_000).default(() => []).describe('Sagas also start at exactly these times.'),
  stopMs: ms().nullable().default(null).describe('No saga starts at or after this time (null: until the end).'),
  maxSagas: z.int().min(0).max(1e9).nullable().default(null).describe('At most this many sagas start (null: no limit).'),
  semanticLock: z.boolean().default(false).describe('Countermeasure for the missing isolation: what a saga holds is marked PENDING until it ends; readers see PENDING, other sagas wait.'),
  livenessBoundMs: z.number().positive().max(1e12).nullable().default(null).describe('If set, a check that every saga ends within this time of its start.'),
};

export const SagaOrchestratorSchema = z
  .strictObject({
    id: KindId,
    kind: z.literal('saga-orchestrator'),
    label: KindLabel.optional(),
    position: KindPosition.optional(),
    steps: z.array(SagaStepSchema).min(1).max(32).describe('T1…Tn in order: compensatable steps, at most one pivot, then retriable steps.'),
    ...sagaArrivalFields,
    stepTimeoutMs: z.number().positive().max(1e9).default(200).describe('How long to wait for a step\'s answer before sending it again.'),
    stepRetries: z.int().min(0).max(1000).default(2).describe('Re-sends of a compensatable step (timeouts, transient refusals) before giving up and compensating.'),
    retryBackoffMs: z.number().min(0).max(1e9).default(20).describe('Delay before the first re-send; doubles each time up to maxBackoffMs. Compensations and settles use it too.'),
    maxBackoffMs: z.number().min(0).max(1e9).default(1000).describe('Longest delay between re-sends.'),
  })
  .superRefine((s, ctx) => checkStepOrder(s.steps.map((x) => x.type), ['steps'], ctx));

export type SagaOrchestratorSpec = z.output<typeof SagaOrchestratorSchema>;

/** Compensatable steps, then at most one pivot, then retriable steps. */
export function checkStepOrder(types: readonly StepType[], path: (string | number)[], ctx: z.RefinementCtx): void {
  let rank = 0;
  types.forEach((t, i) => {
    const r = STEP_TYPES.indexOf(t);
    if (r < rank || (t === 'pivot' && rank === 1)) {
      ctx.addIssue({ code: 'custom', path: [...path, i, 'type'], message: `expected compensatable steps, at most one pivot, then retriable steps; got "${t}" after "${STEP_TYPES[rank]}"` });
    }
    rank = Math.max(rank, r);
  });
}

/** Node ids an orchestrator refers to (its steps' services), with field paths relative to the node. */
export function sagaOrchestratorReferences(spec: SagaOrchestratorSpec): { path: (string | number)[]; id: string }[] {
  return spec.steps.map((s, i) => ({ path: ['steps', i, 'service'], id: s.service }));
}

/**
 * What a scenario may say about a data service (data-service.ts): its zod schema, apart from
 * the node's behaviour so that the page can validate a scenario without loading the engine.
 */
import { z } from 'zod';


// The same building blocks as sim/scenario/schema.ts (which imports the node kinds, so it
// cannot be imported from here without a cycle).
const ID_PATTERN = /^[A-Za-z0-9_.:-]*$/;
export const KindId = z.string().min(1).max(64).regex(ID_PATTERN);
export const KindLabel = z.string().max(100);
export const KindPosition = z.strictObject({ x: z.number(), y: z.number() });
export const STEP_TYPES = ['compensatable', 'pivot', 'retriable'] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const StepTypeSchema = z.enum(STEP_TYPES);

/**
 * Options of a data service that takes part in a choreographed saga (sim/patterns/
 * saga-choreography.ts): it reacts to the previous service's event and emits its own.
 */
export const ChoreographySchema = z.strictObject({
  type: StepTypeSchema.default('compensatable').describe('This service\'s step: compensatable (before the pivot), pivot (the go/no-go step) or retriable (after the pivot: retried until it succeeds).'),
  next: KindId.nullable().default(null).describe('The service that reacts to this step\'s success (null: this is the last step; the saga is complete).'),
  previous: KindId.nullable().default(null).describe('The service that compensates when this step fails or is compensated (null: this is the first step).'),
  stepRetries: z.int().min(0).max(1000).default(2).describe('Retries of a compensatable step refused transiently (locked, busy) before giving up and compensating.'),
  retryBackoffMs: z.number().min(0).max(1e6).default(20).describe('First retry delay; doubles each retry up to maxBackoffMs.'),
  maxBackoffMs: z.number().min(0).max(1e6).default(1000).describe('Longest delay between re-sends.'),
  retransmitMs: z.number().positive().max(1e6).default(100).describe('An emitted event is sent again every retransmitMs until the receiver acknowledges it (an outbox).'),
});

export const DataServiceSchema = z
  .strictObject({
    id: KindId,
    kind: z.literal('data-service'),
    label: KindLabel.optional(),
    position: KindPosition.optional(),
    operation: z.enum(['record', 'debit']).default('record').describe('record: each step creates a record (order, shipment); debit: each step takes an amount from a resource (balance, stock).'),
    resources: z
      .record(KindId, z.int().min(0).max(1e12))
      .default(() => ({}))
      .describe('A debit service\'s resources and their initial levels (accounts → balance, items → stock).'),
    serviceTimeMs: z.number().min(0).max(1e6).default(1).describe('Time to run one local transaction; it commits at the end.'),
    failProbability: z.number().min(0).max(1).default(0).describe('Probability that a step is refused (a business NO: card declined, out of stock).'),
    compensationFailProbability: z.number().min(0).max(1).default(0).describe('Probability that a compensation fails transiently (the caller retries).'),
    readsPerSec: z.number().min(0).max(1e6).default(0).describe('A reporting job reads a random resource this often (Poisson); reads of intermediate saga state are isolation anomalies.'),
    choreography: ChoreographySchema.optional().describe('Take part in a choreographed saga (see saga-starter).'),
  })
  .superRefine((s, ctx) => {
    const n = Object.keys(s.resources).length;
    if (s.operation === 'debit' && n === 0) {
      ctx.addIssue({ code: 'custom', path: ['resources'], message: 'expected at least one resource for a debit service' });
    }
    if (s.operation === 'record' && n > 0) {
      ctx.addIssue({ code: 'custom', path: ['resources'], message: 'a record service has no resources (use "operation": "debit")' });
    }
    for (const name of Object.keys(s.resources)) {
      if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
        ctx.addIssue({ code: 'custom', path: ['resources', name], message: `${JSON.stringify(name)} is reserved: choose another resource name` });
      }
    }
    if (n > 10_000) ctx.addIssue({ code: 'custom', path: ['resources'], message: `expected at most 10000 resources, got ${n}` });
  });

export type DataServiceSpec = z.output<typeof DataServiceSchema>;

/** Node ids a data service refers to (its choreography neighbours), with field paths relative to the node. */
export function dataServiceReferences(spec: DataServiceSpec): { path: (string | number)[]; id: string }[] {
  const c = spec.choreography;
  const refs: { path: (string | number)[]; id: string }[] = [];
  if (c?.next != null) refs.push({ path: ['choreography', 'next'], id: c.next });
  if (c?.previous != null) refs.push({ path: ['choreography', 'previous'], id: c.previous });
  return refs;
}

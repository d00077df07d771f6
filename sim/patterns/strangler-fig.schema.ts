/**
 * What a scenario may say about a strangler-fig facade (strangler-fig.ts): the legacy and the
 * modern system it stands in front of, the migration schedule (from these times, these request
 * types send these shares to the modern system), shadow traffic, automatic rollback of a route,
 * and the lag with which the two systems' stores are kept in sync. A zod schema, apart from the
 * behaviour so that the page can validate a scenario without loading the engine.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';
import { PolicySchema } from './policy-schemas.ts';

const share = () => z.number().min(0).max(1);
const RouteType = z.string().min(1).max(60).describe('A request type workloads send, or "*" for every type no other entry of the step names.');

const StepSchema = z.strictObject({
  atMs: z.number().min(0).max(1e9).describe('From this time on.'),
  routes: z
    .array(z.strictObject({ type: RouteType, modernShare: share().describe('Share of these requests served by the modern system (0: all legacy, 1: all modern).') }))
    .min(1)
    .max(64),
});

export const StranglerFacadeSchema = z
  .strictObject({
    id: KindId,
    kind: z.literal('strangler-facade'),
    label: KindLabel.optional(),
    position: KindPosition.optional(),
    legacy: KindId.describe('The legacy system (serves everything at first).'),
    modern: KindId.describe('The modern system taking routes over.'),
    legacyCallPath: z.array(PolicySchema).max(32).default(() => []).describe('Policies around calls to the legacy system.'),
    modernCallPath: z.array(PolicySchema).max(32).default(() => []).describe('Policies around calls to the modern system.'),
    overheadMs: z.number().min(0).max(1e6).default(0.2).describe("The facade's own work per request (routing), before it calls anything."),
    schedule: z
      .array(StepSchema)
      .max(256)
      .default(() => [])
      .describe('The migration: each step sets the modern share of the request types it names, from its time on (a type keeps its share until a later step names it; never named: 0).'),
    shadow: z
      .strictObject({
        types: z.array(RouteType).min(1).max(64).describe('Request types mirrored ("*": all).'),
        share: share().default(1).describe('Share of those requests mirrored.'),
      })
      .nullable()
      .default(null)
      .describe('Shadow traffic: a request the legacy system serves is also sent to the modern one; its answer is compared (outcome) and never returned, and the client does not wait for it.'),
    rollback: z
      .strictObject({
        errorRateAbove: share().describe("Roll a route back when the modern system's error rate on it, over the window, is above this."),
        windowMs: z.number().positive().max(1e9).default(10_000).describe('The sliding window of modern answers the rate is taken over.'),
        minRequests: z.int().min(1).max(1e9).default(20).describe('No rollback before this many modern answers in the window.'),
      })
      .nullable()
      .default(null)
      .describe('Automatic rollback: a rolled-back route sends nothing to the modern system for the rest of the run, whatever later steps say (a person has to look before it shifts again).'),
    sync: z
      .strictObject({
        writes: z.array(z.string().min(1).max(60)).min(1).max(64).describe('Request types that write (the rest read).'),
        lagMeanMs: z.number().min(0).max(1e9).describe("Mean time (exponential) for a write on one system to reach the other's store."),
      })
      .nullable()
      .default(null)
      .describe("Old and new stores kept in sync: a write served by one system reaches the other's store after a lag; a read of that key served by the other system before then answers stale data (counted as divergent)."),
  })
  .superRefine((s, ctx) => {
    if (s.legacy === s.modern) ctx.addIssue({ code: 'custom', path: ['modern'], message: `expected a different node from legacy ("${s.legacy}")` });
    s.schedule.forEach((step, i) => {
      if (i > 0 && step.atMs < s.schedule[i - 1].atMs) ctx.addIssue({ code: 'custom', path: ['schedule', i, 'atMs'], message: `expected a time ≥ the previous step's (${s.schedule[i - 1].atMs}), got ${step.atMs}` });
      const seen = new Set<string>();
      step.routes.forEach((r, j) => {
        if (seen.has(r.type)) ctx.addIssue({ code: 'custom', path: ['schedule', i, 'routes', j, 'type'], message: `expected each request type once per step, got ${JSON.stringify(r.type)} again` });
        seen.add(r.type);
      });
    });
  });

export type StranglerFacadeSpec = z.output<typeof StranglerFacadeSchema>;

export function stranglerReferences(spec: StranglerFacadeSpec): { path: (string | number)[]; id: string }[] {
  return [
    { path: ['legacy'], id: spec.legacy },
    { path: ['modern'], id: spec.modern },
  ];
}

/** The request types it names (each must be one a workload sends, or "*"). */
export function stranglerRequestTypes(spec: StranglerFacadeSpec): { path: (string | number)[]; name: string }[] {
  const named = spec.schedule.flatMap((step, i) => step.routes.map((r, j) => ({ path: ['schedule', i, 'routes', j, 'type'], name: r.type })));
  const shadow = (spec.shadow?.types ?? []).map((t, i) => ({ path: ['shadow', 'types', i], name: t }));
  const writes = (spec.sync?.writes ?? []).map((t, i) => ({ path: ['sync', 'writes', i], name: t }));
  return [...named, ...shadow, ...writes].filter((t) => t.name !== '*');
}

/** For the design hints: every request goes to one of the two systems (by share), so both are alternatives. */
export function stranglerCalls(spec: StranglerFacadeSpec) {
  return [
    { path: ['legacy'], to: spec.legacy, callPath: spec.legacyCallPath, stage: 0, share: 0.5, forTypes: null, exceptTypes: [] },
    { path: ['modern'], to: spec.modern, callPath: spec.modernCallPath, stage: 0, share: 0.5, forTypes: null, exceptTypes: [] },
  ];
}

/**
 * What a scenario may say about an API gateway (api-gateway.ts): its routes by request type,
 * each to one backend chosen by weight or composed from several called in parallel, an
 * authentication step, and the edge policies every request passes first. A zod schema, apart
 * from the behaviour so that the page can validate a scenario without loading the engine.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';
import { PolicySchema } from './policy-schemas.ts';

const ms = () => z.number().min(0).max(1e9);

const GatewayTargetSchema = z.strictObject({
  node: KindId.describe('The backend called.'),
  weight: z.number().positive().max(1e9).default(1).describe('Its share of the route\'s requests (when the route picks one backend); ignored when the route composes.'),
  callPath: z.array(PolicySchema).max(32).default(() => []).describe('Policies around the call to this backend, outermost first.'),
});

const GatewayRouteSchema = z.strictObject({
  type: z.string().min(1).max(60).describe('The request type this route serves (a name workloads send), or "*" for any request no other route serves.'),
  to: z.array(GatewayTargetSchema).min(1).max(64).describe('The backends.'),
  compose: z.boolean().default(false).describe('false: one backend per request, chosen by weight; true: call every backend in parallel and answer when all have (latency = the slowest; any failure fails the request).'),
});

export const GatewayAuthSchema = z.strictObject({
  mode: z.enum(['none', 'call', 'cached-token']).default('none').describe('none; call: every request first calls the auth service; cached-token: a request whose user (its key) was verified within tokenTtlMs skips the call.'),
  service: KindId.optional().describe('The auth service (modes call and cached-token).'),
  tokenTtlMs: z.number().positive().max(1e9).default(300_000).describe('How long a verified token is trusted (cached-token).'),
  callPath: z.array(PolicySchema).max(32).default(() => []).describe('Policies around the call to the auth service.'),
});

export const ApiGatewaySchema = z.strictObject({
  id: KindId,
  kind: z.literal('api-gateway'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  overheadMs: ms().default(0.5).describe('The gateway\'s own work per request (parsing, routing, filters), before it calls anything.'),
  edge: z.array(PolicySchema).max(32).default(() => []).describe('Policies every incoming request passes first, outermost first: edge rate limiting (a token bucket), a concurrency limit… A rejection is answered as a rejection.'),
  auth: GatewayAuthSchema.prefault({}).describe('The authentication step, before routing.'),
  routes: z.array(GatewayRouteSchema).min(1).max(256).describe('Routes by request type; a request no route serves is answered with an error (no-route).'),
}).superRefine((g, ctx) => {
  if (g.auth.mode !== 'none' && g.auth.service === undefined) ctx.addIssue({ code: 'custom', path: ['auth', 'service'], message: `required when auth.mode is "${g.auth.mode}"` });
  const seen = new Set<string>();
  g.routes.forEach((r, i) => {
    if (seen.has(r.type)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'type'], message: `expected each request type once, got ${JSON.stringify(r.type)} again` });
    seen.add(r.type);
  });
});

export type ApiGatewaySpec = z.output<typeof ApiGatewaySchema>;

export function apiGatewayReferences(spec: ApiGatewaySpec): { path: (string | number)[]; id: string }[] {
  const refs = spec.routes.flatMap((r, i) => r.to.map((t, j) => ({ path: ['routes', i, 'to', j, 'node'], id: t.node })));
  if (spec.auth.service !== undefined) refs.push({ path: ['auth', 'service'], id: spec.auth.service });
  return refs;
}

/** The request types the routes name (each must be one a workload sends, or "*"). */
export function apiGatewayRequestTypes(spec: ApiGatewaySpec): { path: (string | number)[]; name: string }[] {
  return spec.routes.flatMap((r, i) => (r.type === '*' ? [] : [{ path: ['routes', i, 'type'], name: r.type }]));
}

/**
 * The gateway's calls for the design hints: the auth call first (every request in mode "call";
 * cached-token calls only on a miss, still a dependency every request may need), then each route's
 * backends — one by weight, or all of them when the route composes.
 */
export function apiGatewayCalls(spec: ApiGatewaySpec) {
  const auth = spec.auth.mode === 'none' || spec.auth.service === undefined ? [] : [{ path: ['auth'], to: spec.auth.service, callPath: spec.auth.callPath, stage: 0, share: 1, forTypes: null, exceptTypes: [] }];
  const named = spec.routes.filter((r) => r.type !== '*').map((r) => r.type);
  const routes = spec.routes.flatMap((r, i) => {
    const total = r.to.reduce((sum, t) => sum + t.weight, 0);
    return r.to.map((t, j) => ({
      path: ['routes', i, 'to', j],
      to: t.node,
      callPath: t.callPath,
      stage: 1,
      share: r.compose ? 1 : t.weight / total,
      forTypes: r.type === '*' ? null : [r.type],
      exceptTypes: r.type === '*' ? named : [],
    }));
  });
  return [...auth, ...routes];
}

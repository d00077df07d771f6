/**
 * What a scenario may say about a service mesh's control plane (service-mesh.ts). A zod schema,
 * apart from the behaviour so that the page can validate a scenario without loading the engine.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';
import { PolicySchema } from './policy-schemas.ts';

const ms = () => z.number().min(0).max(1e9);

export const MeshControlPlaneSchema = z.strictObject({
  id: KindId,
  kind: z.literal('mesh-control-plane'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  sidecars: z.array(KindId).min(1).max(100_000).describe('The services whose sidecars it configures (a service without a sidecar ignores the pushes).'),
  pushEachMs: ms().default(50).describe('Time the control plane spends on each sidecar\'s push, one after another (istiod computing and sending a proxy\'s xDS update): a rollout to n sidecars takes about n × this, and meanwhile they disagree.'),
  resyncIntervalMs: z.number().positive().max(1e9).default(30_000).describe('Every this long it pushes the version in force to every sidecar again (a restarted sidecar, a lost push).'),
  configs: z
    .array(
      z.strictObject({
        atMs: ms().describe('When this configuration is applied at the control plane (then pushed).'),
        outbound: z.array(PolicySchema).max(32).default(() => []).describe('The outbound policies every sidecar applies from this version on (timeouts, retries, outlier detection…), replacing its own.'),
      }),
    )
    .min(1)
    .max(1000)
    .describe('Configuration versions 1, 2, … in time order.'),
}).superRefine((m, ctx) => {
  m.configs.forEach((c, i) => {
    if (i > 0 && c.atMs < m.configs[i - 1].atMs) ctx.addIssue({ code: 'custom', path: ['configs', i, 'atMs'], message: `expected a time ≥ the previous version's (${m.configs[i - 1].atMs}), got ${c.atMs}` });
  });
});

export type MeshControlPlaneSpec = z.output<typeof MeshControlPlaneSchema>;

export function meshControlPlaneReferences(spec: MeshControlPlaneSpec): { path: (string | number)[]; id: string; kind: string }[] {
  return spec.sidecars.map((id, i) => ({ path: ['sidecars', i], id, kind: 'service' }));
}

/**
 * What a scenario may say about a shard router (shard-router.ts): a zod schema, apart from the
 * behaviour so that the page can validate a scenario without loading the engine.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';
import { SHARD_SCHEMES } from './shard-router.defaults.ts';

export { shardsAfterResize } from './shard-router.defaults.ts';

const probability = () => z.number().min(0).max(1);

export const ShardResizeSchema = z
  .strictObject({
    atMs: z.number().min(0).max(1e9).describe('When the resize starts.'),
    add: KindId.optional().describe('A store that joins as a new shard (it must not be one of `shards` yet).'),
    remove: KindId.optional().describe('A shard (one of `shards`) that leaves: its keys move to the others.'),
    moveKeysPerSec: z.number().positive().max(1e9).default(1000).describe('The copy rate: keys move one at a time, each taking 1 / this, then its version is handed over atomically (one more round trip: old shard → new shard → router), so the keys moved per second are somewhat fewer.'),
  })
  .refine((r) => r.add !== undefined || r.remove !== undefined, { message: 'expected `add` or `remove` (or both)' });

export const ShardRouterSchema = z
  .strictObject({
    id: KindId,
    kind: z.literal('shard-router'),
    label: KindLabel.optional(),
    position: KindPosition.optional(),
    shards: z.array(KindId).min(1).max(1024).describe('The stores that are the shards, in order (jump hash and range use the order).'),
    scheme: z.enum(SHARD_SCHEMES).default('consistent').describe('The shard map: mod (hash mod N), consistent (a ring with virtual nodes), jump (Lamping & Veach), range (contiguous key ranges), directory (a lookup table).'),
    virtualNodes: z.int().min(1).max(10_000).default(100).describe('Points per shard on the consistent-hash ring (also the directory\'s initial placement).'),
    keySpace: z.int().min(1).max(1_000_000).default(10_000).describe('Keys are 1…keySpace (as the workload draws them); moves on a resize are computed over them.'),
    readFraction: probability().default(0.5).describe('The share of single-key requests that are reads; the rest are unconditional writes.'),
    scatterFraction: probability().default(0).describe('The share of requests that are scatter-gather queries to every shard, answered when the slowest shard answers.'),
    resize: ShardResizeSchema.optional().describe('Add and/or remove a shard during the run; keys move one at a time.'),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.shards.forEach((id, i) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['shards', i], message: `expected each shard once, got ${id} twice` });
      seen.add(id);
    });
    if (s.resize?.add !== undefined && seen.has(s.resize.add)) ctx.addIssue({ code: 'custom', path: ['resize', 'add'], message: `expected a store that is not a shard yet, got ${s.resize.add}` });
    if (s.resize?.remove !== undefined && !seen.has(s.resize.remove)) ctx.addIssue({ code: 'custom', path: ['resize', 'remove'], message: `expected one of the shards (${s.shards.join(', ')}), got ${s.resize.remove}` });
    if (s.resize?.remove !== undefined && s.resize.add === undefined && s.shards.length === 1) ctx.addIssue({ code: 'custom', path: ['resize', 'remove'], message: 'expected at least one shard to remain' });
  });

export type ShardRouterSpec = z.output<typeof ShardRouterSchema>;

export function shardRouterReferences(spec: ShardRouterSpec): { path: (string | number)[]; id: string; kind: string }[] {
  const refs = spec.shards.map((id, i) => ({ path: ['shards', i], id, kind: 'store' }));
  if (spec.resize?.add !== undefined) refs.push({ path: ['resize', 'add'], id: spec.resize.add, kind: 'store' });
  return refs;
}

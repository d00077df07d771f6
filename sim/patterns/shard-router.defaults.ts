/**
 * The shard map schemes, apart from both the schema (which the page loads with zod) and the
 * behaviour (which the worker loads without it).
 */
export const SHARD_SCHEMES = ['mod', 'consistent', 'jump', 'range', 'directory'] as const;
export type ShardScheme = (typeof SHARD_SCHEMES)[number];

/** The shards after a resize: `remove` leaves, `add` joins at the end. */
export function shardsAfterResize(spec: { readonly shards: readonly string[]; readonly resize?: { readonly add?: string; readonly remove?: string } }): string[] {
  const r = spec.resize;
  if (r === undefined) return [...spec.shards];
  return [...spec.shards.filter((s) => s !== r.remove), ...(r.add === undefined ? [] : [r.add])];
}

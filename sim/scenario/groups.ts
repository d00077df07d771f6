/**
 * Node groups: a service node or a workload declared with `count` stands for that many
 * identical instances, `idPattern` with `{i}` replaced by 0…count-1 (default `<id>-{i}`).
 * Validation (sim/scenario/schema.ts) checks the declarations and references as written; this
 * file expands them into the instances every other part of the simulator sees, so the engine,
 * faults, checks and the sandbox need nothing new: `web-3` is an ordinary node that remembers
 * its group in `group`. Each instance draws from the random stream named by its own id, so
 * adding a group never reshuffles what other nodes draw.
 *
 * Where the format accepts a group name (links, load balancer hosts, chaos `nodes`, partition
 * groups, `calls[].to` and a workload's `target` behind a load balancer), the name stands for
 * every member, in index order. No Node imports: this runs in the browser too.
 */

/** The placeholder an id pattern must hold exactly once. */
export const INDEX_PLACEHOLDER = '{i}';

export interface GroupDeclaration {
  id: string;
  count?: number;
  idPattern?: string;
}

/** The pattern a group uses: its own, or `<id>-{i}`. */
export function patternOf(decl: GroupDeclaration): string {
  return decl.idPattern ?? `${decl.id}-${INDEX_PLACEHOLDER}`;
}

/** The id of instance `i` of a group with this pattern. */
export function instanceId(pattern: string, i: number): string {
  return pattern.replace(INDEX_PLACEHOLDER, String(i));
}

/** Every instance id of a group, in index order. */
export function instanceIds(decl: GroupDeclaration & { count: number }): string[] {
  const pattern = patternOf(decl);
  const ids = new Array<string>(decl.count);
  for (let i = 0; i < decl.count; i++) ids[i] = instanceId(pattern, i);
  return ids;
}

/** Why `pattern` cannot name `count` instances (ids at most `maxIdLength`, of `idChars`), or null. */
export function idPatternProblem(pattern: string, count: number, idChars: RegExp, maxIdLength: number): string | null {
  const parts = pattern.split(INDEX_PLACEHOLDER);
  if (parts.length !== 2) return `expected a pattern holding "${INDEX_PLACEHOLDER}" exactly once, got ${JSON.stringify(pattern)}`;
  const fixed = parts.join('');
  if (!idChars.test(fixed)) return `expected a pattern of the id characters A-Z a-z 0-9 _ . : - around "${INDEX_PLACEHOLDER}", got ${JSON.stringify(pattern)}`;
  const longest = fixed.length + String(count - 1).length;
  if (longest > maxIdLength) return `expected ids of at most ${maxIdLength} characters, but ${JSON.stringify(instanceId(pattern, count - 1))} has ${longest}`;
  return null;
}

/** Group name → member ids, for the declarations that have a `count`. */
export type GroupMembers = ReadonlyMap<string, readonly string[]>;

export function groupMembers(declarations: readonly GroupDeclaration[]): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const d of declarations) if (d.count !== undefined) members.set(d.id, instanceIds({ ...d, count: d.count }));
  return members;
}

/** An id list with each group name replaced by its members (in place of the name). */
export function expandIds(ids: readonly string[], groups: GroupMembers): string[] {
  if (!ids.some((id) => groups.has(id))) return ids as string[];
  return ids.flatMap((id) => groups.get(id) ?? [id]);
}

/** A node or workload as it is after expansion: instances know their group (and have no `count`). */
export type Instance<T> = T & { group?: string };

/**
 * The instances a list of declarations stands for: an ungrouped entry as it is, a group as
 * `count` shallow copies of its spec (sharing its nested objects, so a million instances cost
 * a million small objects) with their own id and `group`.
 */
export function expandDeclarations<T extends GroupDeclaration>(declarations: readonly T[], rewrite: (spec: T) => T): Instance<T>[] {
  const out: Instance<T>[] = [];
  for (const d of declarations) {
    if (d.count === undefined) {
      out.push(rewrite(d));
      continue;
    }
    const { count: _count, idPattern: _pattern, ...template } = rewrite(d);
    const pattern = patternOf(d);
    for (let i = 0; i < d.count; i++) out.push({ ...template, id: instanceId(pattern, i), group: d.id } as unknown as Instance<T>);
  }
  return out;
}

/** Links with a group at either end become one link per member pair (a group to itself: no self-links). */
export function expandLinks<L extends { from: string; to: string }>(links: readonly L[], groups: GroupMembers): L[] {
  if (!links.some((l) => groups.has(l.from) || groups.has(l.to))) return links as L[];
  const out: L[] = [];
  for (const link of links) {
    const froms = groups.get(link.from) ?? [link.from];
    const tos = groups.get(link.to) ?? [link.to];
    for (const from of froms) for (const to of tos) if (from !== to) out.push({ ...link, from, to });
  }
  return out;
}

/** How many links `expandLinks` makes of this one. */
export function expandedLinkCount(link: { from: string; to: string }, groups: GroupMembers): number {
  const froms = groups.get(link.from)?.length ?? 1;
  const tos = groups.get(link.to)?.length ?? 1;
  return froms * tos - (link.from === link.to ? froms : 0);
}

/** Policies with `hosts` naming a group get the group's members; the rest stay as they are. */
export function expandHosts<P extends { type: string; hosts?: readonly string[] }>(callPath: readonly P[], groups: GroupMembers): P[] {
  if (!callPath.some((p) => p.hosts?.some((h) => groups.has(h)))) return callPath as P[];
  return callPath.map((p) => (p.hosts ? { ...p, hosts: expandIds(p.hosts, groups) } : p));
}

/** A call to a group goes to whichever member the balancer picks; its nominal target is the first member. */
export function nominalTarget(id: string, groups: GroupMembers): string {
  return groups.get(id)?.[0] ?? id;
}

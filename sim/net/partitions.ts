/**
 * Network partitions. A partition is a rule that blocks some directed pairs of nodes:
 * - `groups`: nodes in different groups cannot talk, both ways (nodes in no group are unaffected);
 * - `from`/`to`: an asymmetric cut, only messages from a `from` node to a `to` node are blocked.
 * Several rules may hold at once; a pair is blocked if any rule blocks it.
 */
export interface PartitionRule {
  readonly id: number;
  blocks(from: number, to: number): boolean;
}

export function groupsPartition(id: number, groups: readonly (readonly number[])[]): PartitionRule {
  const groupOf = new Map<number, number>();
  groups.forEach((group, g) => group.forEach((node) => groupOf.set(node, g)));
  return {
    id,
    blocks(from, to) {
      const a = groupOf.get(from);
      const b = groupOf.get(to);
      return a !== undefined && b !== undefined && a !== b;
    },
  };
}

export function directedPartition(id: number, from: readonly number[], to: readonly number[]): PartitionRule {
  const sources = new Set(from);
  const targets = new Set(to);
  return { id, blocks: (f, t) => sources.has(f) && targets.has(t) };
}

export class Partitions {
  private rules: PartitionRule[] = [];

  get active(): boolean {
    return this.rules.length > 0;
  }

  add(rule: PartitionRule): void {
    this.rules.push(rule);
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  blocked(from: number, to: number): boolean {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (rules[i].blocks(from, to)) return true;
    return false;
  }
}

import type { TraceKindName, TraceRecord } from '../engine/trace.ts';

/**
 * Invariants checked over the trace as it streams by. They rebuild what they need (who is
 * partitioned from whom, which nodes are down) from fault and state records alone, never
 * from the network's or nodes' own state, so a bug there cannot hide itself. A violation
 * names the first bad event: its time, node and message.
 */
export interface Violation {
  t: number;
  node: string;
  detail: string;
}

/** Which records an invariant reads, beyond their kind (see `TraceInvariant.scope`). */
export interface TraceScope {
  /** Only records at these nodes (by name). */
  readonly nodes: readonly string[];
  /** Of those nodes' `call` records, only the ones at this layer; left out, every layer's. */
  readonly layer?: string;
}

/** The scope of a policy's invariant: the records of its node, and of the call records its layer's. */
export function layerScope(node: string, layer: string): TraceScope {
  return { nodes: [node], layer };
}

export interface TraceInvariant {
  onRecord(r: TraceRecord): void;
  /**
   * The record kinds `onRecord` looks at; left out, it hears every record. Saying so keeps
   * the run from building record objects nobody reads (they are most of a run's garbage).
   */
  readonly kinds?: readonly TraceKindName[];
  /**
   * The nodes (and call-path layer) whose records `onRecord` looks at; left out, it hears
   * every node's. Saying so lets the run hand each record only to the invariants of its node:
   * with a breaker on each of thousands of services, not to every breaker's invariant.
   */
  readonly scope?: TraceScope;
  /** The first violation, or null. */
  readonly violation: Violation | null;
  /** How many events it examined (so a check that saw nothing can say so). */
  readonly examined: number;
  /** What it checks, as a check name. */
  describe(): string;
  /** What `examined` counts, for the verdict ("held over 120 deliveries"). */
  readonly unit?: string;
  /** Called once when the run ends, for checks that judge what never happened (liveness). */
  finish?(endUs: number): void;
}

interface PartitionDetail {
  id: number;
  groups?: string[][] | null;
  from?: string[] | null;
  to?: string[] | null;
}

/** No message is delivered between two nodes while a partition separates them. */
export class NoPartitionCrossing implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  describe = () => 'no message crosses a partition';
  readonly kinds = ['fault', 'deliver'] as const;
  private readonly active = new Map<number, (from: string, to: string) => boolean>();

  onRecord(r: TraceRecord): void {
    if (r.k === 'fault') this.onFault(r);
    else if (r.k === 'deliver') {
      this.examined++;
      if (this.violation !== null || this.active.size === 0) return;
      for (const blocks of this.active.values()) {
        if (blocks(r.from as string, r.node)) {
          this.violation = { t: r.t, node: r.node, detail: `message ${r.msg} from ${r.from} delivered across a partition` };
          return;
        }
      }
    }
  }

  private onFault(r: TraceRecord): void {
    const fault = r.fault as string;
    if (fault === 'heal') this.active.clear();
    else if (fault === 'partition-end') this.active.delete((JSON.parse(r.detail as string) as { id: number }).id);
    else if (fault === 'partition') {
      const d = JSON.parse(r.detail as string) as PartitionDetail;
      this.active.set(d.id, partitionPredicate(d));
    }
  }
}

function partitionPredicate(d: PartitionDetail): (from: string, to: string) => boolean {
  if (d.groups != null) {
    const groupOf = new Map<string, number>();
    d.groups.forEach((g, i) => g.forEach((n) => groupOf.set(n, i)));
    return (from, to) => {
      const a = groupOf.get(from);
      const b = groupOf.get(to);
      return a !== undefined && b !== undefined && a !== b;
    };
  }
  const from = new Set(d.from ?? []);
  const to = new Set(d.to ?? []);
  return (f, t) => from.has(f) && to.has(t);
}

/** No message is delivered to a node that is crashed or still restarting. */
export class NoDeliveryToDownNode implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  describe = () => 'no message is delivered to a down node';
  readonly kinds = ['state', 'deliver'] as const;
  private readonly down = new Set<string>();

  onRecord(r: TraceRecord): void {
    if (r.k === 'state' && r.key === 'status') {
      if (r.value === 'crashed' || r.value === 'restarting') this.down.add(r.node);
      else this.down.delete(r.node);
    } else if (r.k === 'deliver') {
      this.examined++;
      if (this.violation === null && this.down.has(r.node)) {
        this.violation = { t: r.t, node: r.node, detail: `message ${r.msg} delivered to ${r.node} while it was down` };
      }
    }
  }
}

import type { TraceListener, TraceRecord } from '../engine/trace.ts';

/**
 * What a report needs from the trace, kept while the run goes, so a report of a long run
 * does not hold its whole trace: the records of the first `firstMessages` messages (send,
 * deliver, drop, dup), every fault record, and the state changes whose values are names
 * (breaker state, node status, ejections…) rather than numbers. Each kind is capped.
 */
export interface CollectOptions {
  /** Messages kept for the space-time diagram, by order of sending. */
  firstMessages: number;
  /** At most this many fault records (default 10,000). */
  maxFaults?: number;
  /** At most this many state records (default 50,000). */
  maxStates?: number;
}

export const DEFAULT_FIRST_MESSAGES = 50;

export class ReportCollector {
  readonly records: TraceRecord[] = [];
  private readonly messages = new Set<number>();
  private faults = 0;
  private states = 0;
  private readonly maxFaults: number;
  private readonly maxStates: number;

  constructor(private readonly options: CollectOptions) {
    this.maxFaults = options.maxFaults ?? 10_000;
    this.maxStates = options.maxStates ?? 50_000;
  }

  readonly listener: TraceListener = (r) => {
    switch (r.k) {
      case 'send':
        if (this.messages.size < this.options.firstMessages) {
          this.messages.add(r.msg as number);
          this.records.push(r);
        }
        break;
      case 'deliver':
      case 'drop':
      case 'dup':
        if (this.messages.has(r.msg as number)) this.records.push(r);
        break;
      case 'fault':
        if (this.faults < this.maxFaults) {
          this.faults++;
          this.records.push(r);
        }
        break;
      case 'state':
        if (this.states < this.maxStates && isCategorical(r.value as string)) {
          this.states++;
          this.records.push(r);
        }
        break;
    }
  };
}

/** A state value that names a state ("OPEN", "crashed") rather than measuring one ("12"). */
export function isCategorical(value: string): boolean {
  return value.trim() === '' || !Number.isFinite(Number(value));
}

import type { Micros } from '../engine/time.ts';

/**
 * A message on the simulated network. `parent` is the id of the message that caused this one
 * (-1 for none), which is what the space-time diagram draws causality from.
 */
export interface Message {
  readonly id: number;
  readonly parent: number;
  readonly from: number;
  readonly to: number;
  readonly type: string;
  readonly payload: unknown;
  readonly sentAt: Micros;
  /** Absolute time after which the sender no longer waits (Infinity: no deadline). */
  readonly deadline: Micros;
}

export const NO_PARENT = -1;
export const NO_DEADLINE = Infinity;

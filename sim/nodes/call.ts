import type { Micros } from '../engine/time.ts';

/**
 * Calls between nodes, as the caller sees them — and the composable call path built on them
 * (DESIGN principle 7). A node that calls another wraps the call in
 * an ordered stack of policies — timeout, retry, circuit breaker, rate limiter, bulkhead,
 * load balancer, fallback — the way resilience libraries decorate a call and proxies chain
 * filters. The first policy in the scenario's list is the outermost.
 *
 * A call travels down the stack with `invoke(call, done)`; each policy either passes it on to
 * `next` or answers it itself (a rejection, a fallback), and every layer calls `done` exactly
 * once. Continuations are closures: they run synchronously inside simulation events, so they
 * are as deterministic as everything else. Timers go through the node (`SimNode.after`), so a
 * crash cancels them with everything else the node was doing.
 */
export type CallOutcome = 'ok' | FailureOutcome;
export type FailureOutcome = 'error' | 'rejected' | 'timeout';
export const FAILURE_OUTCOMES = ['error', 'timeout', 'rejected'] as const;

export interface CallResult {
  readonly outcome: CallOutcome;
  /** Why, for anything but ok: "queue-full", "circuit-open", "rate-limited", "timeout"… */
  readonly reason: string;
  /** True when a fallback produced this answer instead of the dependency. */
  readonly fallback?: boolean;
}

export const OK: CallResult = Object.freeze({ outcome: 'ok', reason: '' });

export function rejected(reason: string): CallResult {
  return { outcome: 'rejected', reason };
}

/** One attempt of a logical call, as it passes down the stack. */
export interface Call {
  /** The logical call's id (the same for every attempt); trace records carry it. */
  readonly id: number;
  /** Attempt number, 1 for the first try (set by retry). */
  readonly attempt: number;
  /** When the logical call started. */
  readonly startedAt: Micros;
  /** Absolute time after which nobody waits for the answer (Infinity: none). */
  readonly deadline: Micros;
  /** The request's key, for hash-based load balancing (e.g. a user or order id). */
  readonly key: number;
  /** The host a load balancer chose, or -1 for the path's default target. */
  readonly host: number;
  /** The message that caused this call (its causal parent), or -1. */
  readonly parent: number;
  /** The request's type (an index into the scenario's request types); absent or -1: untyped. */
  readonly type?: number;
}

export type Done = (result: CallResult) => void;

export interface Invoker {
  invoke(call: Call, done: Done): void;
}

/** Calls `done` at most once, however many times the returned function is called. */
export function once(done: Done): Done & { readonly called: boolean } {
  // `called` is a plain property of the function (a getter defined per call would cost an
  // accessor, a closure and a map change for every call that passes a timeout).
  const f = ((result: CallResult) => {
    if (f.called) return;
    f.called = true;
    done(result);
  }) as Done & { called: boolean };
  f.called = false;
  return f;
}

import type { Call, CallResult, Done, Invoker } from '../../sim/nodes/call.ts';
import { PolicyContext } from '../../sim/patterns/context.ts';
import { makeWorld } from '../sim/harness.ts';

/**
 * Drives one policy directly: a real node and clock, and a scripted dependency below it.
 * `callAt(t, answer)` makes a call at time t (µs) that the dependency answers after
 * `answer.afterUs` with `answer.result`.
 */
export interface Scripted {
  result: CallResult;
  afterUs?: number;
}

export function policyHarness<P extends Invoker>(layer: string, make: (ctx: PolicyContext, next: Invoker) => P) {
  const w = makeWorld(['n']);
  const node = w.nodes[0];
  const ctx = new PolicyContext(node, layer);
  const reached: { t: number; call: Call }[] = [];
  let script: Scripted[] = [];
  const next: Invoker = {
    invoke(call: Call, done: Done) {
      reached.push({ t: node.now, call });
      const s = script.shift() ?? { result: OK_RESULT };
      if (s.afterUs === undefined || s.afterUs === 0) done(s.result);
      else node.after(s.afterUs, () => done(s.result));
    },
  };
  const policy = make(ctx, next);
  const answers: { id: number; t: number; result: CallResult }[] = [];
  let nextId = 0;
  return {
    ...w,
    node,
    policy,
    reached,
    answers,
    /** What the dependency will answer, in order. */
    script(s: Scripted[]) {
      script = [...s];
    },
    /** Makes a call now; returns its id. */
    call(overrides: Partial<Call> = {}): number {
      const id = nextId++;
      const call: Call = { id, attempt: 1, startedAt: node.now, deadline: Infinity, key: id, host: -1, parent: -1, ...overrides };
      policy.invoke(call, (result) => answers.push({ id, t: node.now, result }));
      return id;
    },
    /** Runs the clock to `t` µs. */
    at(t: number) {
      w.sim.run(t);
    },
  };
}

export const OK_RESULT: CallResult = { outcome: 'ok', reason: '' };
export const ERROR_RESULT: CallResult = { outcome: 'error', reason: 'error' };
export const ok = (afterUs = 0): Scripted => ({ result: OK_RESULT, afterUs });
export const fail = (afterUs = 0): Scripted => ({ result: ERROR_RESULT, afterUs });

import { IdMap } from '../engine/id-map.ts';
import { NO_DEADLINE, type Message } from '../net/message.ts';
import { OK, type Call, type CallResult, type Done, type Invoker } from './call.ts';
import type { SimNode } from './node.ts';
import { isResponsePayload, REQUEST, typedRequest } from './protocol.ts';

/**
 * The bottom of every call path: puts the request on the network and hands the reply to
 * whoever waits for it. It has no timeout of its own — without a timeout policy above it, a
 * call whose request or reply is lost waits forever, as it would in real life.
 */
export class PendingCalls {
  /** Created on first use: most nodes never call anyone (100,000 idle nodes stay small). */
  private waiting: IdMap<Done> | null = null;

  expect(requestId: number, done: Done): void {
    (this.waiting ??= new IdMap()).set(requestId, done);
  }

  /** Routes a response; false if nobody waits for it (a duplicate, or the caller restarted). */
  onResponse(msg: Message): boolean {
    const done = this.waiting?.get(msg.parent);
    if (done === undefined) return false;
    this.waiting!.delete(msg.parent);
    done(resultOf(msg));
    return true;
  }

  /** The caller crashed: nobody waits for anything any more. */
  clear(): void {
    this.waiting = null;
  }
}

function resultOf(msg: Message): CallResult {
  if (!isResponsePayload(msg.payload)) return { outcome: 'error', reason: 'bad-response' };
  const p = msg.payload;
  // Every ok answer is the shared, frozen OK: one less object per call.
  return p.outcome === 'ok' ? OK : { outcome: p.outcome, reason: p.reason };
}

export class Transport implements Invoker {
  constructor(
    private readonly node: SimNode,
    private readonly pending: PendingCalls,
    /** Where calls go unless a load balancer chose a host. */
    private readonly defaultTarget: number,
    /** Put the call's deadline on the request so the callee can drop work nobody waits for. */
    private readonly propagateDeadline: boolean,
    /** The call path's name (`client`, `api->payments`): `<path>.send` is the layer of its attempt records. */
    private readonly path: string,
  ) {}

  invoke(call: Call, done: Done): void {
    const to = call.host >= 0 ? call.host : this.defaultTarget;
    const deadline = this.propagateDeadline ? call.deadline : NO_DEADLINE;
    // A retry's request says which attempt it is, in the record just before its send: the
    // sandbox draws it apart from first attempts (ui/trace/messages.ts). First attempts, the
    // vast majority, add nothing to the trace.
    if (call.attempt > 1) this.node.callEvent(call.id, `${this.path}.send`, `attempt:${call.attempt}`);
    const msg = this.node.send(to, REQUEST, call.type === undefined ? call.key : typedRequest(call.key, call.type), call.parent, deadline);
    this.pending.expect(msg.id, done);
  }
}

import type { Counter, Gauge } from '../engine/metrics.ts';
import type { Histogram } from '../engine/histogram.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { TraceRecord } from '../engine/trace.ts';
import { layerScope, type TraceInvariant, type TraceScope, type Violation } from '../check/invariants.ts';
import { Deque } from '../nodes/deque.ts';
import { rejected, type Call, type Done, type Invoker } from '../nodes/call.ts';
import type { PolicyContext } from './context.ts';
import type { BulkheadSpec, ThreadPoolBulkheadSpec } from './bulkhead.schema.ts';

/**
 * Bulkheads: a cap on the calls in progress through one path, so that a slow dependency can
 * tie up only its own share of a caller's capacity. Two kinds, as in Resilience4j.
 *
 * `bulkhead` — Resilience4j's SemaphoreBulkhead. At most `maxConcurrentCalls` calls are in
 * progress. A call that finds no permit waits up to `maxWaitDurationMs` (0: it is rejected at
 * once) in FIFO order (Resilience4j's fair semaphore). A waiter gets the first permit that is
 * freed strictly before its wait is over; when the wait is over it is rejected "bulkhead-full".
 *
 * `thread-pool-bulkhead` — Resilience4j's ThreadPoolBulkhead, which is a Java
 * ThreadPoolExecutor over a bounded FIFO queue; its rules, exactly:
 * 1. fewer than `coreThreadPoolSize` threads: start a new thread for the call;
 * 2. else, if a thread is idle, it takes the call; if none is, the call joins the queue if
 *    the queue holds fewer than `queueCapacity` calls;
 * 3. else (queue full) start a new thread if there are fewer than `maxThreadPoolSize`;
 * 4. else reject "bulkhead-full".
 * A thread is busy until its call is answered, then takes the oldest queued call or goes idle;
 * a thread beyond the core count that stays idle for `keepAliveDurationMs` ends. So extra
 * threads appear only once the queue is full — the executor's surprise. Resilience4j's
 * defaults depend on the machine (max = the number of cores, core = cores − 1); we fix them
 * as parameters and default to a 2-core machine: max 2, core 1.
 *
 * Observe: in use (calls holding a permit or a thread), queued, rejected, wait time.
 * Metrics: gauges `<layer>.inUse`, `<layer>.queued` (and `<layer>.threads`), counter
 * `<layer>.rejected`, histogram `<layer>.waitTimeMs` (every call that got a permit or a thread, or
 * gave up waiting: 0 for those that did not wait). Trace: call events admitted, queued,
 * released, rejected:bulkhead-full; state `<layer>.inUse` on every change.
 *
 * Invariant (`BulkheadInvariant`, from the call events alone): calls admitted and not yet
 * released never exceed the maximum.
 */

interface Waiter {
  call: Call;
  done: Done;
  enqueuedAt: Micros;
  /** waiting → admitted | rejected. */
  state: 0 | 1 | 2;
}
const WAITING = 0;
const ADMITTED = 1;
const REJECTED = 2;

interface BulkheadMetrics {
  inUse: Gauge;
  queued: Gauge;
  rejected: Counter;
  waitTime: Histogram;
}

function bulkheadMetrics(ctx: PolicyContext): BulkheadMetrics {
  const m = ctx.metrics;
  return {
    inUse: m.gauge(`${ctx.layer}.inUse`),
    queued: m.gauge(`${ctx.layer}.queued`),
    rejected: m.counter(`${ctx.layer}.rejected`),
    waitTime: m.durationHistogram(`${ctx.layer}.waitTimeMs`),
  };
}

/** Resilience4j SemaphoreBulkhead. */
export class BulkheadPolicy implements Invoker {
  inUse = 0;
  /** Calls waiting (the deque may also hold waiters that already left; they are skipped). */
  queued = 0;
  private readonly waiters = new Deque<Waiter>();
  private readonly max: number;
  private readonly maxWaitUs: number;
  private readonly m: BulkheadMetrics;

  constructor(private readonly ctx: PolicyContext, spec: BulkheadSpec, private readonly next: Invoker) {
    this.max = spec.maxConcurrentCalls;
    this.maxWaitUs = msToUs(spec.maxWaitDurationMs);
    this.m = bulkheadMetrics(ctx);
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    // A free permit means no waiter can take it (freed permits go to waiters at once).
    if (this.inUse < this.max) return this.run(call, done, ctx.now);
    if (this.maxWaitUs <= 0) return this.reject(call, done);
    const w: Waiter = { call, done, enqueuedAt: ctx.now, state: WAITING };
    this.waiters.pushBack(w);
    this.setQueued(this.queued + 1);
    ctx.event(call, 'queued');
    ctx.after(this.maxWaitUs, () => {
      if (w.state !== WAITING) return;
      w.state = REJECTED;
      this.setQueued(this.queued - 1);
      this.m.waitTime.record(ctx.now - w.enqueuedAt);
      this.reject(w.call, w.done);
    });
  }

  private reject(call: Call, done: Done): void {
    this.m.rejected.add();
    this.ctx.event(call, 'rejected:bulkhead-full');
    done(rejected('bulkhead-full'));
  }

  private run(call: Call, done: Done, enqueuedAt: Micros): void {
    const ctx = this.ctx;
    this.setInUse(this.inUse + 1);
    this.m.waitTime.record(ctx.now - enqueuedAt);
    ctx.event(call, 'admitted');
    this.next.invoke(call, (result) => {
      this.setInUse(this.inUse - 1);
      ctx.event(call, 'released');
      // The freed permit goes to the oldest waiter before the answer travels up, so a caller
      // that calls again at once cannot jump the queue.
      this.admitWaiters();
      done(result);
    });
  }

  private admitWaiters(): void {
    const now = this.ctx.now;
    while (this.inUse < this.max && this.waiters.length > 0) {
      const w = this.waiters.popFront()!;
      if (w.state !== WAITING) continue;
      // Its wait is over at this very instant: its timer rejects it (whichever event runs first).
      if (now - w.enqueuedAt >= this.maxWaitUs) continue;
      w.state = ADMITTED;
      this.setQueued(this.queued - 1);
      this.run(w.call, w.done, w.enqueuedAt);
    }
  }

  private setInUse(n: number): void {
    this.inUse = n;
    this.m.inUse.set(this.ctx.now, n);
    this.ctx.state('inUse', n);
  }

  private setQueued(n: number): void {
    this.queued = n;
    this.m.queued.set(this.ctx.now, n);
  }
}

/** One idle spell of a thread: it ends when the thread takes work or ends. */
interface IdleThread {
  state: 0 | 1 | 2;
}
const IDLE = 0;
const TAKEN = 1;
const ENDED = 2;

interface Task {
  call: Call;
  done: Done;
  enqueuedAt: Micros;
}

/** Resilience4j ThreadPoolBulkhead (a ThreadPoolExecutor with a bounded queue). */
export class ThreadPoolBulkheadPolicy implements Invoker {
  /** Live threads, and how many of them are running a call. */
  threads = 0;
  busy = 0;
  private readonly queue = new Deque<Task>();
  /** Idle threads, oldest first; entries of threads that ended are skipped. */
  private readonly idle = new Deque<IdleThread>();
  private idleCount = 0;
  private readonly keepAliveUs: number;
  private readonly m: BulkheadMetrics & { threads: Gauge };

  constructor(private readonly ctx: PolicyContext, readonly spec: ThreadPoolBulkheadSpec, private readonly next: Invoker) {
    this.keepAliveUs = msToUs(spec.keepAliveDurationMs);
    this.m = { ...bulkheadMetrics(ctx), threads: ctx.metrics.gauge(`${ctx.layer}.threads`) };
  }

  get queued(): number {
    return this.queue.length;
  }

  invoke(call: Call, done: Done): void {
    const s = this.spec;
    const now = this.ctx.now;
    if (this.threads < s.coreThreadPoolSize) {
      this.setThreads(this.threads + 1);
      return this.run({ call, done, enqueuedAt: now });
    }
    if (this.idleCount > 0) {
      this.takeIdleThread();
      return this.run({ call, done, enqueuedAt: now });
    }
    if (this.queue.length < s.queueCapacity) {
      this.queue.pushBack({ call, done, enqueuedAt: now });
      this.m.queued.set(now, this.queue.length);
      this.ctx.event(call, 'queued');
      return;
    }
    if (this.threads < s.maxThreadPoolSize) {
      this.setThreads(this.threads + 1);
      return this.run({ call, done, enqueuedAt: now });
    }
    this.m.rejected.add();
    this.ctx.event(call, 'rejected:bulkhead-full');
    done(rejected('bulkhead-full'));
  }

  /** A thread (already counted, not idle) runs the task. */
  private run(task: Task): void {
    const ctx = this.ctx;
    this.setBusy(this.busy + 1);
    this.m.waitTime.record(ctx.now - task.enqueuedAt);
    ctx.event(task.call, 'admitted');
    this.next.invoke(task.call, (result) => {
      this.setBusy(this.busy - 1);
      ctx.event(task.call, 'released');
      this.threadFree();
      task.done(result);
    });
  }

  /** A thread finished its call: it takes the oldest queued call, or goes idle. */
  private threadFree(): void {
    const next = this.queue.popFront();
    if (next !== undefined) {
      this.m.queued.set(this.ctx.now, this.queue.length);
      return this.run(next);
    }
    const spell: IdleThread = { state: IDLE };
    this.idle.pushBack(spell);
    this.idleCount++;
    this.ctx.after(this.keepAliveUs, () => {
      // Still idle after the keep-alive, and more threads than the core: the thread ends.
      if (spell.state !== IDLE || this.threads <= this.spec.coreThreadPoolSize) return;
      spell.state = ENDED;
      this.idleCount--;
      this.setThreads(this.threads - 1);
    });
  }

  /** The longest-idle thread takes work (a Java pool's waiting workers are woken in order). */
  private takeIdleThread(): void {
    for (;;) {
      const spell = this.idle.popFront()!;
      if (spell.state !== IDLE) continue;
      spell.state = TAKEN;
      this.idleCount--;
      return;
    }
  }

  private setThreads(n: number): void {
    this.threads = n;
    this.m.threads.set(this.ctx.now, n);
  }

  private setBusy(n: number): void {
    this.busy = n;
    this.m.inUse.set(this.ctx.now, n);
    this.ctx.state('inUse', n);
  }
}

/**
 * From the trace alone: at a bulkhead layer, calls admitted and not yet released never exceed
 * `max`. A crash of the node empties the bulkhead (its calls are gone with the process).
 */
export class BulkheadInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private inUse = 0;

  constructor(private readonly node: string, private readonly layer: string, private readonly max: number) {}

  readonly unit = 'admissions';
  readonly kinds = ['state', 'call'] as const;
  get scope(): TraceScope {
    return layerScope(this.node, this.layer);
  }

  describe(): string {
    return `${this.layer}: at most ${this.max} calls in the bulkhead at once`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state') {
      if (r.key === 'status' && r.value === 'crashed') this.inUse = 0;
      return;
    }
    if (r.k !== 'call' || r.layer !== this.layer) return;
    if (r.event === 'admitted') {
      this.examined++;
      if (++this.inUse > this.max && this.violation === null) {
        this.violation = { t: r.t, node: r.node, detail: `call ${r.call} admitted with ${this.inUse - 1} calls in the bulkhead; at most ${this.max} are allowed` };
      }
    } else if (r.event === 'released') {
      this.inUse--;
    }
  }
}

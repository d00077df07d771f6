import { Counter, durationHistogram, type TimeSeries } from '../engine/metrics.ts';
import type { Micros } from '../engine/time.ts';
import { TraceKind } from '../engine/trace.ts';
import type { CallResult } from '../nodes/call.ts';
import type { SimNode } from '../nodes/node.ts';

/**
 * Records every request a workload makes: its outcome and latency, as metrics
 * (`<client>.ok|fallback|error|rejected|timeout`, `<client>.latencyMs` for successes,
 * `<client>.failedLatencyMs` for the rest, per-window series) and as a `span` trace record.
 * A fallback answer is a degraded success: counted as `fallback`, not `ok`.
 */
export type RequestOutcome = 'ok' | 'fallback' | 'error' | 'rejected' | 'timeout';
const OUTCOMES: readonly RequestOutcome[] = ['ok', 'fallback', 'error', 'rejected', 'timeout'];

export class RequestRecorder {
  private readonly counts: Record<RequestOutcome, Counter>;
  private readonly series: Record<RequestOutcome, TimeSeries>;
  private readonly m;

  /**
   * `name` prefixes the metrics (the node's name; `<client>.type.<name>` for one request type's
   * share); `traced`: also emit each request's span record (once per request, by the main one).
   */
  constructor(
    private readonly node: SimNode,
    name = node.name,
    private readonly traced = true,
  ) {
    const metrics = node.world.sim.metrics;
    this.m = metrics.group(name, {
      requests: new Counter(),
      latencyMs: durationHistogram(),
      failedLatencyMs: durationHistogram(),
    });
    this.counts = Object.fromEntries(OUTCOMES.map((o) => [o, metrics.counter(`${name}.${o}`)])) as Record<RequestOutcome, Counter>;
    this.series = Object.fromEntries(OUTCOMES.map((o) => [o, metrics.timeSeries(`${name}.${o}`)])) as Record<RequestOutcome, TimeSeries>;
  }

  started(): void {
    this.m.requests.add();
  }

  finished(requestId: number, startedAt: Micros, result: CallResult): void {
    const now = this.node.now;
    const latencyUs = now - startedAt;
    const outcome: RequestOutcome = result.fallback ? 'fallback' : result.outcome;
    this.counts[outcome].add();
    this.series[outcome].count(now);
    if (outcome === 'ok') {
      this.m.latencyMs.record(latencyUs);
      this.series.ok.sample(now, latencyUs);
    } else this.m.failedLatencyMs.record(latencyUs);
    if (this.traced) this.node.world.sim.trace.emit(TraceKind.span, now, this.node.index, requestId, outcome, latencyUs);
  }
}

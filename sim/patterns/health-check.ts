import type { Counter } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import { once, type Call, type Invoker } from '../nodes/call.ts';
import type { PolicyContext } from './context.ts';
import type { HealthCheckParams } from './health-check.schema.ts';

/**
 * Active health checking, as an option of the load balancer (`healthCheck: {…}`), with Envoy's
 * session model: each host has its own checker that sends a probe, waits for its answer or
 * for `timeoutMs`, and sends the next probe `intervalMs` after that. The first probes go out
 * when the balancer starts. A probe succeeds if its answer is "ok"; anything else, or no answer
 * in time, is a failure. `unhealthyThreshold` failures in a row make a healthy host unhealthy;
 * `healthyThreshold` successes in a row make an unhealthy host healthy again. The balancer
 * sends nothing to an unhealthy host.
 *
 * A probe is an ordinary request sent through the rest of the call path below the balancer
 * (`next`) with the host set: a synthetic call with id −1, key 0, no parent and a deadline of
 * now + timeout. The host serves it like any request (so an overloaded host can fail its
 * probes, as a real one would). A probe that is never answered stays in the caller's table
 * of pending calls until the node restarts — one small entry per lost probe.
 *
 * Differences from Envoy: hosts start healthy here (Envoy starts hosts added to an actively
 * checked cluster as unhealthy until their first check passes), and there is no interval
 * jitter or separate interval for unhealthy hosts. Envoy has no defaults for these fields;
 * ours are Kubernetes' probe defaults, except `healthyThreshold` (Kubernetes' readiness
 * probe uses 1; 2 avoids flapping on one lucky probe).
 *
 * Trace: state `<layer>.health.<host>` = healthy | unhealthy on every change. Metrics:
 * `<layer>.healthChecks`, `<layer>.healthCheckFailures`.
 */

export class HealthChecker {
  readonly healthy: Uint8Array;
  private readonly failures: Int32Array;
  private readonly successes: Int32Array;
  private readonly intervalUs: number;
  private readonly timeoutUs: number;
  private readonly m: { checks: Counter; failures: Counter };

  constructor(
    private readonly ctx: PolicyContext,
    readonly params: HealthCheckParams,
    /** Node indexes of the hosts. */
    private readonly hosts: readonly number[],
    private readonly names: readonly string[],
    private readonly next: Invoker,
    /** Called when a host becomes healthy (true) or unhealthy (false). */
    private readonly onChange: (p: number, healthy: boolean) => void,
  ) {
    const n = hosts.length;
    this.healthy = new Uint8Array(n).fill(1);
    this.failures = new Int32Array(n);
    this.successes = new Int32Array(n);
    this.intervalUs = msToUs(params.intervalMs);
    this.timeoutUs = Math.max(1, msToUs(params.timeoutMs));
    this.m = { checks: ctx.metrics.counter(`${ctx.layer}.healthChecks`), failures: ctx.metrics.counter(`${ctx.layer}.healthCheckFailures`) };
    for (let p = 0; p < n; p++) ctx.after(0, () => this.probe(p));
  }

  private probe(p: number): void {
    const ctx = this.ctx;
    this.m.checks.add();
    const call: Call = { id: -1, attempt: 1, startedAt: ctx.now, deadline: ctx.now + this.timeoutUs, key: 0, host: this.hosts[p], parent: -1 };
    const answer = once((result) => {
      this.record(p, result.outcome === 'ok');
      ctx.after(this.intervalUs, () => this.probe(p));
    });
    ctx.after(this.timeoutUs, () => answer({ outcome: 'timeout', reason: 'health-check-timeout' }));
    this.next.invoke(call, answer);
  }

  private record(p: number, ok: boolean): void {
    if (!ok) this.m.failures.add();
    if (ok) {
      this.failures[p] = 0;
      if (this.healthy[p] === 0 && ++this.successes[p] >= this.params.healthyThreshold) this.set(p, true);
    } else {
      this.successes[p] = 0;
      if (this.healthy[p] === 1 && ++this.failures[p] >= this.params.unhealthyThreshold) this.set(p, false);
    }
  }

  private set(p: number, healthy: boolean): void {
    this.healthy[p] = healthy ? 1 : 0;
    this.failures[p] = 0;
    this.successes[p] = 0;
    this.ctx.state(`health.${this.names[p]}`, healthy ? 'healthy' : 'unhealthy');
    this.onChange(p, healthy);
  }
}

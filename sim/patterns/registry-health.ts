import type { Counter } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { REG_CHECK } from './registry-protocol.ts';
import type { RegistryHealthCheckSpec } from './service-registry.schema.ts';
import type { ServiceRegistryNode } from './service-registry.ts';

/**
 * Consul-style health checking for a service registry (service-registry.ts with `healthCheck`):
 * the registry checks each registered instance every `intervalMs` — the first check at a random
 * point of the first interval (Consul staggers its checks so) — and a check fails if it is not
 * answered within `timeoutMs`. A new instance is critical until a check passes (Consul's default
 * initial status). A passing instance turns critical after 1 + `failuresBeforeCritical` failures
 * in a row; a critical one passing after 1 + `successBeforePassing` successes in a row. Every
 * 30 s the reaper deregisters instances critical for longer than `deregisterCriticalAfterMs`.
 * Fetches return passing instances only.
 *
 * Simplification: in Consul the instance's local agent runs the check and reports to the
 * servers; here the registry runs it over the network, so a partition between the two fails
 * checks as an agent that cannot reach the servers would leave its status stale instead.
 *
 * State records: `registry.health` = `<instance> passing|critical` on every change.
 * Metrics: `<registry>.checks`, `<registry>.checkFailures`, `<registry>.passing` (gauge).
 */

interface Checked {
  readonly node: number;
  passing: boolean;
  successes: number;
  failures: number;
  criticalSinceUs: Micros;
  /** The check in flight (its message id), or −1. */
  waitingFor: number;
  /** Bumped when the instance leaves, so its pending check timers do nothing. */
  readonly generation: number;
}

export class HealthChecks {
  private readonly instances = new Map<string, Checked>();
  private readonly byNode = new Map<number, string>();
  private generation = 0;
  private readonly intervalUs: Micros;
  private readonly timeoutUs: Micros;
  private readonly m: { checks: Counter; failures: Counter };

  constructor(
    private readonly registry: ServiceRegistryNode,
    private readonly spec: RegistryHealthCheckSpec,
    /** Deregisters an instance the reaper gave up on. */
    private readonly reapInstance: (name: string) => void,
  ) {
    this.intervalUs = msToUs(spec.intervalMs);
    this.timeoutUs = Math.max(1, msToUs(spec.timeoutMs));
    const metrics = registry.world.sim.metrics;
    this.m = { checks: metrics.counter(`${registry.name}.checks`), failures: metrics.counter(`${registry.name}.checkFailures`) };
  }

  add(name: string, node: number): void {
    const c: Checked = { node, passing: false, successes: 0, failures: 0, criticalSinceUs: this.registry.now, waitingFor: -1, generation: ++this.generation };
    this.instances.set(name, c);
    this.byNode.set(node, name);
    this.registry.state('registry.health', `${name} critical`);
    this.registry.after(Math.floor(this.registry.rng.next() * this.intervalUs), () => this.check(name, c));
  }

  remove(name: string): void {
    const c = this.instances.get(name);
    if (c !== undefined) this.byNode.delete(c.node);
    this.instances.delete(name);
  }

  passing(name: string): boolean {
    return this.instances.get(name)?.passing === true;
  }

  passingCount(): number {
    let n = 0;
    for (const c of this.instances.values()) if (c.passing) n++;
    return n;
  }

  /** An instance's answer to a check. */
  onAnswer(msg: Message): void {
    const name = this.byNode.get(msg.from);
    const c = name === undefined ? undefined : this.instances.get(name);
    if (c !== undefined && c.waitingFor === msg.parent) this.result(name!, c, true);
  }

  /** The reaper: deregister instances critical for too long. */
  reap(): void {
    const after = this.spec.deregisterCriticalAfterMs;
    if (after === null) return;
    const limitUs = msToUs(after);
    for (const [name, c] of [...this.instances]) {
      if (!c.passing && this.registry.now - c.criticalSinceUs > limitUs) this.reapInstance(name);
    }
  }

  private alive(name: string, c: Checked): boolean {
    return this.instances.get(name) === c;
  }

  private check(name: string, c: Checked): void {
    if (!this.alive(name, c)) return;
    this.m.checks.add();
    const msg = this.registry.send(c.node, REG_CHECK);
    c.waitingFor = msg.id;
    this.registry.after(this.timeoutUs, () => {
      if (this.alive(name, c) && c.waitingFor === msg.id) this.result(name, c, false);
    });
    this.registry.after(this.intervalUs, () => this.check(name, c));
  }

  private result(name: string, c: Checked, ok: boolean): void {
    c.waitingFor = -1;
    if (ok) {
      c.failures = 0;
      if (!c.passing && ++c.successes > this.spec.successBeforePassing) this.set(name, c, true);
    } else {
      this.m.failures.add();
      c.successes = 0;
      if (c.passing && ++c.failures > this.spec.failuresBeforeCritical) this.set(name, c, false);
    }
  }

  private set(name: string, c: Checked, passing: boolean): void {
    c.passing = passing;
    c.successes = 0;
    c.failures = 0;
    if (!passing) c.criticalSinceUs = this.registry.now;
    this.registry.state('registry.health', `${name} ${passing ? 'passing' : 'critical'}`);
    this.registry.healthChanged();
  }
}

/**
 * M/M/1 in SIM.JS (the `simjs` dev dependency), for test/bench/peers.ts: Poisson arrivals at
 * λ per second, one FCFS server with exponential service of rate μ, run for `seconds` of
 * simulated time — the model of scenarios/queueing/mm1.json. Prints one JSON line: requests
 * served, their mean time in system, and the CPU seconds of the simulation alone.
 *
 *   node test/bench/peers/mm1-simjs.mjs LAMBDA MU SECONDS [SEED]
 *
 * SIM.JS is a browserify bundle that publishes itself as `window.Sim`, so a `window` is set
 * before loading it.
 */
const [lambda, mu, seconds, seed] = process.argv.slice(2).map(Number);
globalThis.window = globalThis;
await import('simjs');
const Sim = globalThis.window.Sim;

const cpu0 = process.cpuUsage();
const sim = new Sim.Sim();
const server = new Sim.Facility('server');
const random = new Sim.Random(seed || 1);
let served = 0;
let totalSojourn = 0;

class Client extends Sim.Entity {
  start() {
    this.arrive();
  }
  arrive() {
    const arrivedAt = this.time();
    this.useFacility(server, random.exponential(mu)).done(this.departed, this, [arrivedAt]); // an array: SIM.JS drops a falsy argument (time 0)
    this.setTimer(random.exponential(lambda)).done(this.arrive, this);
  }
  departed(arrivedAt) {
    served++;
    totalSojourn += this.time() - arrivedAt;
  }
}

sim.addEntity(Client);
sim.simulate(seconds);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ requests: served, meanSojournS: totalSojourn / served, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));

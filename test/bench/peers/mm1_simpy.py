"""M/M/1 in SimPy, for test/bench/peers.ts: Poisson arrivals at LAMBDA per second, one FIFO
server with exponential service of rate MU, run for SECONDS of simulated time (the model of
scenarios/queueing/mm1.json). Works with SimPy 2 (module `SimPy`, e.g. Debian's python3-simpy
2.3.1) and SimPy 3/4 (module `simpy`). Prints one JSON line: the SimPy version, requests
served, their mean time in system, and the CPU seconds of the simulation alone.

    python3 test/bench/peers/mm1_simpy.py LAMBDA MU SECONDS [SEED]
"""
import json
import random
import sys
import time

lam, mu, seconds = (float(a) for a in sys.argv[1:4])
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
rng = random.Random(seed)
stats = {"served": 0, "sojourn": 0.0}


def run_simpy3():
    import simpy

    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)

    def request(arrived):
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(mu))
        stats["served"] += 1
        stats["sojourn"] += env.now - arrived

    def source():
        while True:
            env.process(request(env.now))
            yield env.timeout(rng.expovariate(lam))

    env.process(source())
    env.run(until=seconds)
    return "simpy " + simpy.__version__


def run_simpy2():
    from SimPy import Simulation as S

    S.initialize()
    server = S.Resource(capacity=1)

    class Request(S.Process):
        def go(self):
            arrived = S.now()
            yield S.request, self, server
            yield S.hold, self, rng.expovariate(mu)
            yield S.release, self, server
            stats["served"] += 1
            stats["sojourn"] += S.now() - arrived

    class Source(S.Process):
        def go(self):
            while True:
                r = Request()
                S.activate(r, r.go())
                yield S.hold, self, rng.expovariate(lam)

    src = Source()
    S.activate(src, src.go())
    S.simulate(until=seconds)
    import SimPy

    return "SimPy " + getattr(SimPy, "__version__", "2")


cpu0 = time.process_time()
try:
    version = run_simpy3()
except ImportError:
    version = run_simpy2()
cpu = time.process_time() - cpu0
print(json.dumps({"version": version, "requests": stats["served"], "meanSojournS": stats["sojourn"] / stats["served"], "cpuSeconds": cpu}))

import type { Scenario } from '../../scenario/schema.ts';

/**
 * What a sweep knows about one seed: enough to summarise the sweep and to replay the seed,
 * small enough to stream from a worker and store one JSON line per seed.
 */
export interface SeedResult {
  seed: number;
  traceHash: string;
  /** "completed", "limit: <reason>" (a limit ended the run) or "crashed: <message>". */
  outcome: string;
  checks: { passed: string[]; failed: string[] };
  /** The sweep's key metrics (see report/key-metrics.ts); null where a run has none. */
  metrics: Record<string, number | null>;
}

/** The first line of a sweep's --out file: what `merge` needs to print the same summary. */
export interface SweepHeader {
  k: 'faultline-sweep';
  version: 1;
  /** The scenario as given on the command line (replay commands use it). */
  file: string;
  title: string;
  scenarioHash: string;
  seeds: { from: number; to: number };
  /** null: the whole range. */
  shard: { index: number; count: number } | null;
  variant: string | null;
  sets: string[];
  /** The key metrics, in table order. */
  metrics: string[];
  /**
   * The scenario's `limits.expected`: a seed a limit ends is cut short (exit 3) unless the limit
   * is listed here. Absent in files written before it existed: none expected.
   */
  expectedLimits?: string[];
}

/** A line after the header. */
export type SeedLine = { k: 'seed' } & SeedResult;

/** What a worker is started with. */
export interface WorkerInit {
  scenario: Scenario;
  metrics: string[];
}

/** Main thread → worker: run this seed. */
export interface RunSeedMessage {
  seed: number;
}

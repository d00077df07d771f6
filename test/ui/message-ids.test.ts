/**
 * The event log and inspector find a message's flight by binary search on message ids in send
 * order (ui/views/log/flight.ts). That holds because the network numbers messages as they are
 * sent; this test fails, and points there, if that ever changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listenTo, type TraceRecord } from '../../sim/engine/trace.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { loadScenarioText } from '../../ui/load.ts';

const DIR = fileURLToPath(new URL('../../scenarios', import.meta.url));
const files = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(DIR, d.name)).filter((f) => f.endsWith('.json')).map((f) => `${d.name}/${f}`));

describe('message ids in send order (an assumption of ui/views/log/flight.ts)', () => {
  it.each(files)('%s: every send has a larger id than the one before', (file) => {
    const loaded = loadScenarioText(readFileSync(join(DIR, file), 'utf8'));
    if (!loaded.ok) throw new Error(`${file} does not load`);
    let last = -Infinity;
    let sends = 0;
    let outOfOrder: TraceRecord | null = null;
    // The first seconds are enough to see every kind of message each scenario sends.
    runScenario({ ...loaded.scenario, durationMs: Math.min(loaded.scenario.durationMs, 5000) }, {
      seed: 1,
      listeners: [
        listenTo(['send'], (r) => {
          sends++;
          if ((r.msg as number) <= last && outOfOrder === null) outOfOrder = r;
          last = r.msg as number;
        }),
      ],
    });
    expect(sends).toBeGreaterThan(0);
    expect(outOfOrder).toBeNull();
  });
});

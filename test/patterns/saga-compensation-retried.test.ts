import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { builtIn } from '../helpers.ts';

/**
 * scenarios/transactions/saga-compensation-retried.json used to fail its own checks on seeds
 * 11, 22, 33, 117, 164 and 184 of 1..200. Not a model bug: on seed 11 a refund that began at
 * 7.77 s failed transiently 16 times in a row (0.6^16) and was still being retried, as it
 * must be, when the run ended 2 s after the last saga started; on the others so few pivots
 * failed (6 or 7) that fewer than 6 refunds failed transiently, below the checks' "> 5". The
 * scenario now runs twice the sagas, goes on 5 s after the last one starts, and asks that
 * refunds failed and were retried at all.
 */
describe('transactions/saga-compensation-retried', () => {
  const scenario = builtIn('transactions/saga-compensation-retried.json');

  for (const seed of [11, 22, 33, 117, 164, 184]) {
    it(`seed ${seed}: passes its checks; every saga whose pivot failed ends compensated, its charge refunded exactly once`, () => {
      const result = runScenario(scenario, { seed });
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      const m = result.metrics;
      expect(m['orch.sagas.running']).toMatchObject({ value: 0 });
      expect(m['orch.sagas.compensated']).toBe(m['inventory.refused']);
      expect(m['payments.compensated']).toBe(m['inventory.refused']);
      expect(m['orch.sagas.started']).toBe((m['orch.sagas.completed'] as number) + (m['orch.sagas.compensated'] as number));
    });
  }
});

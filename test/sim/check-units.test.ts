/** A check's detail speaks the unit its name does: durations in seconds when the threshold is a second or more, else ms. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { builtIn } from '../helpers.ts';

function detailOf(file: string, name: string): string {
  const check = runScenario(builtIn(file)).checks.find((c) => c.name === name);
  if (!check) throw new Error(`${file} has no check ${name}`);
  return check.detail;
}

describe('check details', () => {
  it('read a threshold named in seconds in seconds', () => {
    expect(detailOf('transactions/2pc-coordinator-crash.json', 'orders was in doubt at least the 5 s downtime')).toMatch(/^\d+(\.\d+)? s >= 5 s$/);
    expect(detailOf('transactions/2pc-coordinator-crash.json', 'payments in doubt ≈ the downtime')).toMatch(/^measured \d+(\.\d+)? s, expected 5 s \(off by/);
  });

  it('read a threshold named in milliseconds in milliseconds', () => {
    expect(detailOf('transactions/2pc-commit.json', 'in doubt for milliseconds only')).toMatch(/^\d+(\.\d+)? ms < 50 ms$/);
  });
});

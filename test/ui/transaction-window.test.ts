/**
 * The transaction timeline's automatic time axis (ui/views/transactions/window.ts) holds a
 * transaction wherever the cursor is, once one has started: at the end of a run whose last
 * transaction ended long before, it widens to reach it instead of showing an empty axis.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rowsAt, transactionIndex } from '../../ui/views/transactions/extract.ts';
import { autoWindowUs, windowDomain } from '../../ui/views/transactions/window.ts';
import { builtIn } from '../helpers.ts';
import { recordRun } from './recorded.ts';

const files = readdirSync(new URL('../../scenarios/transactions/', import.meta.url)).filter((f) => f.endsWith('.json'));

describe('the transaction timeline opens on transactions', () => {
  for (const file of files) {
    it(`${file}: at the end of the run and midway, the automatic window shows at least one transaction`, () => {
      const { store } = recordRun(builtIn(`transactions/${file}`));
      const index = transactionIndex(store);
      const endUs = store.setup.endUs;
      expect(index.transactions.length).toBeGreaterThan(0);
      for (const cursorUs of [endUs, Math.max(index.transactions[0].startUs, endUs / 2)]) {
        const [fromUs] = windowDomain(cursorUs, autoWindowUs(index, endUs, cursorUs), endUs);
        expect(rowsAt(index, cursorUs, fromUs, 200).total, `at ${cursorUs} µs`).toBeGreaterThan(0);
      }
    });
  }
});

/**
 * End-to-end: the transaction timeline in Chromium. A saga scenario (payments fail, sagas
 * compensate) and a 2PC scenario (the coordinator crashes after the votes) are run in the page;
 * the Transactions tab must draw the rows and phases the run's own records say (found here in
 * Node, from the same seed), only up to the cursor: seeking back makes later phases vanish.
 * A long run draws its 200 newest transactions and says so; a scenario without any says that.
 * Screenshots: test/e2e/screenshots/transactions.png (2PC) and transactions-saga.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { ScenarioRun, type RunResult } from '../../sim/scenario/run.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { open, ROOT, runInPage, SCREENSHOTS, seek, useSandbox, chooseScenario } from './harness.ts';

useSandbox();

function runRecords(file: string): { records: TraceRecord[]; result: RunResult; seed: number } {
  const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios', `${file}.json`), 'utf8'));
  if (!loaded.ok) throw new Error(`${file} does not load`);
  const records: TraceRecord[] = [];
  const run = new ScenarioRun(loaded.scenario, { listeners: [(r) => records.push({ ...r })] });
  return { records, result: run.finish(), seed: loaded.scenario.seed };
}

/** The state records of one transaction key, in order. */
function stateOf(records: readonly TraceRecord[], key: string): TraceRecord[] {
  return records.filter((r) => r.k === 'state' && r.key === key);
}

function counter(result: RunResult, name: string): number {
  const v = result.metrics[name];
  if (typeof v !== 'number') throw new Error(`no counter ${name}`);
  return v;
}

/** Opens a built-in scenario, runs it with its own seed, opens the Transactions tab. */
async function runAndOpenTab(page: Page, file: string, seed: number): Promise<void> {
  await chooseScenario(page, file);
  await runInPage(page, seed);
  await page.getByTestId('view-tab-transactions').click();
  await page.getByTestId('transactions').waitFor({ timeout: 30_000 });
}

const line = (page: Page, txn: string, name = txn) => page.locator(`[data-testid="tx-line"][data-txn="${txn}"][data-name="${name}"]`);

/** Each drawn segment of a line as `label:outcome` (`open` while it goes on at the cursor). */
async function phases(page: Page, txn: string, name = txn): Promise<string[]> {
  return line(page, txn, name)
    .locator('[data-testid="tx-seg"]')
    .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-label')}:${e.getAttribute('data-open') === 'true' ? 'open' : e.getAttribute('data-outcome')}`));
}

async function marks(page: Page, txn: string, name = txn): Promise<string[]> {
  return line(page, txn, name)
    .locator('[data-testid="tx-mark"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-mark') ?? ''));
}

describe('the transaction timeline in Chromium', () => {
  it('says so when a scenario has no transactions', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'network/crash-restart');
    await page.getByTestId('view-tab-transactions').click();
    await expect.poll(() => page.getByTestId('tx-note').textContent(), { timeout: 30_000 }).toBe('No sagas or two-phase commits in this scenario.');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws at most 200 transactions, the newest, and says so', async () => {
    const file = 'transactions/2pc-commit';
    const { result, seed } = runRecords(file);
    const started = counter(result, 'coordinator.started');
    expect(started).toBeGreaterThan(200);
    const { page, problems } = await open();
    await runAndOpenTab(page, file, seed);
    await page.getByTestId('tx-window').selectOption('run');
    await seek(page, 1e15);
    await expect.poll(() => page.getByTestId('tx-footer').textContent(), { timeout: 30_000 }).toContain(`Showing the 200 newest of ${started} transactions on this axis.`);
    const heads = page.locator('[data-testid="tx-line"].head');
    expect(await heads.count()).toBe(200);
    expect(await heads.first().getAttribute('data-txn')).toBe(`coordinator:${started}`);
    expect(await heads.last().getAttribute('data-txn')).toBe(`coordinator:${started - 199}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws saga steps, the failed step and its compensation, only up to the cursor', async () => {
    const file = 'transactions/saga-payment-fails';
    const { records, result, seed } = runRecords(file);
    // The first saga that ended compensated, and when its step failed and its compensation ran.
    const ended = records.find((r) => r.k === 'state' && String(r.key).startsWith('saga.') && r.value === 'compensated')!;
    const id = String(ended.key).slice('saga.'.length);
    const saga = stateOf(records, String(ended.key)).map((r) => ({ t: r.t, value: String(r.value) }));
    const failed = saga.find((r) => r.value.endsWith(':failed'))!;
    const compensated = saga.find((r) => r.value.endsWith(':compensated'))!;
    const failedStep = failed.value.split(':')[0];
    const done = saga.filter((r) => r.value.endsWith(':succeeded')).map((r) => r.value.split(':')[0]);
    const compensations = done.map((s) => s.replace('T', 'C')).reverse();
    expect(compensations.length).toBeGreaterThan(0);

    const { page, problems } = await open();
    await runAndOpenTab(page, file, seed);

    // Just after it ended: forward steps, the failed one, the compensations, the outcome.
    await seek(page, ended.t + 1000);
    await expect.poll(() => line(page, id).getAttribute('data-outcome'), { timeout: 30_000 }).toBe('compensated');
    expect(await phases(page, id)).toEqual([...done.map((s) => `${s}:succeeded`), `${failedStep}:failed`, ...compensations.map((c) => `${c}:compensated`)]);
    expect(await marks(page, id)).toEqual(['failed', 'compensated']);
    expect(await line(page, id).getByTestId('tx-outcome').textContent()).toBe('compensated');
    // Hovering tells what a phase is: the step's name from the scenario, its outcome.
    const failedTitle = await line(page, id).locator(`[data-testid="tx-seg"][data-label="${failedStep}"] title`).textContent();
    expect(failedTitle).toContain('charge payment (payments)');
    expect(failedTitle).toContain('failed: the service said NO');
    // Colours by phase: forward green, failed red, compensation amber.
    const fill = (label: string) => line(page, id).locator(`[data-testid="tx-seg"][data-label="${label}"] rect`).evaluate((el) => getComputedStyle(el).fill);
    expect(await fill(done[0])).toBe('rgb(47, 143, 85)');
    expect(await fill(failedStep)).toBe('rgb(192, 57, 43)');
    expect(await fill(compensations[0])).toBe('rgb(217, 145, 26)');

    // Midway through the first compensation: it is open, the saga has no outcome yet.
    await seek(page, (failed.t + compensated.t) / 2);
    await expect.poll(() => phases(page, id)).toEqual([...done.map((s) => `${s}:succeeded`), `${failedStep}:failed`, `${compensations[0]}:open`]);
    expect(await line(page, id).getAttribute('data-outcome')).toBe('');
    expect(await marks(page, id)).toEqual(['failed']);
    expect(await line(page, id).getByTestId('tx-outcome').textContent()).toBe('running');

    // Before the failure: the step is still running, nothing to compensate.
    await seek(page, failed.t - 1);
    await expect.poll(() => phases(page, id)).toEqual([...done.map((s) => `${s}:succeeded`), `${failedStep}:open`]);
    expect(await marks(page, id)).toEqual([]);

    // Before it started: no row.
    await seek(page, saga[0].t - 1);
    await expect.poll(() => line(page, id).count()).toBe(0);

    // On a 100 ms axis, the saga and the ones before it.
    await seek(page, ended.t + 1000);
    await page.getByTestId('tx-window').selectOption('100000');
    await expect.poll(() => page.locator('[data-testid="tx-line"]').count()).toBeGreaterThan(1);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.getByTestId('transactions').screenshot({ path: join(SCREENSHOTS, 'transactions-saga.png') });

    // Zoomed in to 10 ms, the phases carry their names; a click on one selects its record (outlined).
    await page.getByTestId('tx-window').selectOption('10000');
    const seg = line(page, id).locator(`[data-testid="tx-seg"][data-label="${compensations[0]}"]`);
    await expect.poll(() => seg.locator('text').textContent()).toBe(compensations[0]);
    await seg.locator('rect').click();
    await expect.poll(() => seg.getAttribute('class')).toContain('selected');

    // At the end, the summary counts what the orchestrator counted.
    await seek(page, 1e15);
    await expect
      .poll(() => page.getByTestId('tx-summary-sagas').textContent())
      .toBe(
        `Sagas ${counter(result, 'orch.sagas.started')} started · ${counter(result, 'orch.sagas.completed')} completed · ` +
          `${counter(result, 'orch.sagas.compensated')} compensated · 0 running`,
      );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws a crashed coordinator, and its participants blocked in doubt until it is back', async () => {
    const file = 'transactions/2pc-coordinator-crash';
    const { records, result, seed } = runRecords(file);
    const txn = 'coordinator:1';
    const history = stateOf(records, `txn.${txn}`);
    const prepared = history.find((r) => r.node === 'orders' && r.value === 'PREPARED')!.t;
    const inDoubt = history.find((r) => r.node === 'orders' && r.value === 'IN_DOUBT')!.t;
    const decided = history.find((r) => r.node === 'orders' && r.value === 'ABORT')!.t;
    const crash = records.find((r) => r.k === 'state' && r.key === 'status' && r.node === 'coordinator' && r.value === 'crashed')!.t;
    const participants = ['orders', 'payments', 'inventory'];

    const { page, problems } = await open();
    await runAndOpenTab(page, file, seed);
    await page.getByTestId('tx-window').selectOption('run');

    // Three seconds in: the coordinator lost the transaction in its crash; the participants are
    // in doubt, blocked since they voted YES, and the summary names the longest blocked.
    const at = 3_000_000;
    await seek(page, at);
    await expect.poll(() => phases(page, txn), { timeout: 30_000 }).toEqual(['WAIT:lost']);
    expect(await marks(page, txn)).toEqual(['lost']);
    expect(await line(page, txn).getByTestId('tx-outcome').textContent()).toBe('deciding');
    for (const p of participants) {
      expect(await phases(page, txn, p)).toEqual(['PREPARED:', 'IN_DOUBT:open']);
      expect(Number(await line(page, txn, p).getAttribute('data-blocked-us'))).toBe(at - prepared);
    }
    expect(await line(page, txn, 'orders').getByTestId('tx-blocked').textContent()).toBe('blocked 1.998 s');
    expect(await line(page, txn, 'orders').getByTestId('tx-blocked').getAttribute('class')).toContain('ongoing');
    const downtime = line(page, txn).getByTestId('tx-down');
    expect(await downtime.count()).toBe(1);
    expect(await downtime.locator('title').textContent()).toContain('coordinator crashed');
    expect(await page.getByTestId('tx-longest-blocked').getAttribute('data-us')).toBe(String(at - prepared));
    expect(await page.getByTestId('tx-longest-blocked').textContent()).toContain('and counting (orders, coordinator:1)');
    const doubtTitle = await line(page, txn, 'orders').locator('[data-testid="tx-seg"][data-label="IN_DOUBT"] title').textContent();
    expect(doubtTitle).toContain('IN_DOUBT: still blocked, asking for the outcome');

    // After the restart: they learned ABORT; blocked as long as the engine measured.
    await seek(page, decided + 500_000);
    await expect.poll(() => line(page, txn).getAttribute('data-outcome')).toBe('aborted');
    for (const p of participants) {
      expect(await phases(page, txn, p)).toEqual(['PREPARED:', 'IN_DOUBT:abort']);
      const h = result.metrics[`${p}.inDoubtMs`] as Record<string, number>;
      expect(Number(await line(page, txn, p).getAttribute('data-blocked-us'))).toBe(h.max * 1000);
    }
    expect(await line(page, txn, 'orders').getByTestId('tx-blocked').textContent()).toBe(`blocked ${((decided - prepared) / 1e6).toFixed(3)} s`);
    expect(await line(page, txn, 'orders').getByTestId('tx-blocked').getAttribute('class')).not.toContain('ongoing');
    expect(await page.getByTestId('tx-longest-blocked').getAttribute('data-us')).toBe(String(decided - prepared));
    await line(page, txn, 'orders').scrollIntoViewIfNeeded();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.getByTestId('transactions').screenshot({ path: join(SCREENSHOTS, 'transactions.png') });

    // Back before IN_DOUBT and before the crash: the later phases are gone.
    await seek(page, inDoubt - 1);
    await expect.poll(() => phases(page, txn, 'orders')).toEqual(['PREPARED:open']);
    expect(await phases(page, txn)).toEqual(['WAIT:lost']);
    await seek(page, crash - 1);
    await expect.poll(() => phases(page, txn)).toEqual(['WAIT:open']);
    expect(await marks(page, txn)).toEqual([]);
    // Before the votes: the participants have written nothing yet.
    await seek(page, prepared - 1);
    await expect.poll(() => line(page, txn, 'orders').getAttribute('data-role')).toBe('none');
    expect(await line(page, txn, 'orders').getByTestId('tx-blocked').textContent()).toBe('no record yet');

    // At the end: every coordinator's count.
    await seek(page, 1e15);
    const started = counter(result, 'coordinator.started') + counter(result, 'coordinator-2.started');
    await expect.poll(() => page.getByTestId('tx-summary-2pc').textContent()).toMatch(new RegExp(`^2PC ${started} started · ${counter(result, '2pc.committed')} committed · `));
    expect(problems).toEqual([]);
    await page.close();
  });
});

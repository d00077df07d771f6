/**
 * End-to-end: the design editor in Chromium, as the issue asks. From a blank design, build
 * client → API service → two services → a data store with the palette and by dragging wires;
 * give a call a timeout and a circuit breaker; put a crash on the fault lane and drag it in
 * time; a negative timeout is shown on its field and never reaches the design; undo/redo
 * restore the exact previous files; export, and the command line runs the export to the trace
 * hash the browser shows after "Run in the sandbox". Screenshots: editor.png (README),
 * editor-1280.png.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../sim/scenario/run.ts';
import { chooseScenario, open, ROOT, SCREENSHOTS, useSandbox } from './harness.ts';

useSandbox();

const json = async (page: Page) => JSON.parse((await page.getByTestId('editor-json-text').inputValue()) as string) as {
  nodes: { id: string; position?: { x: number; y: number }; calls?: { to: string; callPath?: { type: string; timeoutMs?: number }[] }[] }[];
  workloads: { id: string; target: string }[];
  faults?: { atMs: number; type: string; node: string }[];
};

async function center(page: Page, testId: string): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not drawn`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags with the mouse from one point to another, in steps (pointer events, as a hand would). */
async function dragMouse(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

async function wire(page: Page, from: string, to: string) {
  await dragMouse(page, await center(page, `editor-handle-${from}`), await center(page, `editor-box-${to}`));
  // A horizontal arrow has a zero-height box, which Playwright calls invisible: wait for it to exist.
  await page.getByTestId(`editor-call-${from}-${to}`).waitFor({ state: 'attached' });
}

describe('the design editor', () => {
  it('builds, validates, undoes, exports and runs a design exactly', async () => {
    const { page, problems } = await open();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('new-design').click();
    await page.getByTestId('editor').waitFor({ timeout: 30_000 });
    await page.getByTestId('editor-json-toggle').click();

    // The palette: an API service first (a workload needs something to call), the client, two services, a store.
    for (const kind of ['service', 'open', 'service', 'service', 'store']) await page.getByTestId(`palette-${kind}`).click();
    expect((await json(page)).workloads).toEqual([expect.objectContaining({ id: 'client', target: 'service' })]);
    await wire(page, 'service', 'service-2');
    await wire(page, 'service', 'service-3');
    await wire(page, 'service-2', 'store');
    expect((await json(page)).nodes.map((n) => [n.id, (n.calls ?? []).map((c) => c.to)])).toEqual([
      ['service', ['service-2', 'service-3']],
      ['service-2', ['store']],
      ['service-3', []],
      ['store', []],
    ]);
    // The hints ask for timeouts on the new calls.
    await expect.poll(async () => page.getByTestId('editor-hints').textContent()).toContain('service → service-2 has no timeout');

    // A timeout and a breaker on service → service-2.
    await page.getByTestId('editor-box-service').locator('rect').click();
    await page.getByRole('button', { name: /^→ service-2/ }).click();
    await page.getByTestId('policy-type').selectOption('timeout');
    await page.getByTestId('add-policy').click();
    await page.getByTestId('policy-type').selectOption('circuit-breaker');
    await page.getByTestId('add-policy').click();
    await expect.poll(async () => (await json(page)).nodes[0].calls?.[0].callPath?.map((p) => p.type)).toEqual(['timeout', 'circuit-breaker']);

    // The link under this call gets its own latency.
    await page.getByTestId('link-latency').fill('3');
    await page.getByTestId('link-latency').press('Enter');
    await expect.poll(async () => (await json(page) as { links?: unknown[] }).links).toEqual([{ from: 'service', to: 'service-2', bidirectional: true, latency: { type: 'constant', ms: 3 } }]);

    // A negative timeout is refused on its field; the design is unchanged.
    const before = await page.getByTestId('editor-json-text').inputValue();
    const timeoutField = page.locator('[data-param="nodes[0].calls[0].callPath[0].timeoutMs"] input');
    await timeoutField.fill('-5');
    await timeoutField.press('Enter');
    await expect.poll(() => page.locator('[data-param="nodes[0].calls[0].callPath[0].timeoutMs"] [data-testid="field-error"]').textContent()).toMatch(/expected a number > 0|positive|greater than 0/i);
    expect(await page.getByTestId('editor-json-text').inputValue()).toBe(before);
    await timeoutField.fill('250');
    await timeoutField.press('Enter');
    await expect.poll(async () => (await json(page)).nodes[0].calls?.[0].callPath?.[0].timeoutMs).toBe(250);

    // A crash of service-3 on the lane, dragged later in time.
    await page.getByTestId('editor-box-service-3').locator('rect').click();
    await page.getByTestId('fault-at').fill('20');
    await page.getByTestId('add-fault').click();
    await expect.poll(async () => (await json(page)).faults).toEqual([expect.objectContaining({ type: 'crash', node: 'service-3', atMs: 20_000 })]);
    const lane = await page.getByTestId('fault-lane').boundingBox();
    if (!lane) throw new Error('no lane');
    await dragMouse(page, await center(page, 'fault-marker-0'), { x: lane.x + lane.width / 2, y: lane.y + lane.height / 2 });
    await expect.poll(async () => (await json(page)).faults?.[0].atMs ?? 0).toBeGreaterThan(25_000);

    // Moving a box changes its position hint only.
    const movedFrom = (await json(page)).nodes[3].position;
    const storeAt = await center(page, 'editor-box-store');
    await dragMouse(page, { x: storeAt.x - 40, y: storeAt.y }, { x: storeAt.x - 40, y: storeAt.y + 60 });
    await expect.poll(async () => (await json(page)).nodes[3].position?.y).not.toBe(movedFrom?.y);

    // Undo and redo: the exact previous files.
    const done = await page.getByTestId('editor-json-text').inputValue();
    await page.getByTestId('editor-undo').click();
    const undone = await page.getByTestId('editor-json-text').inputValue();
    expect(undone).not.toBe(done);
    expect(JSON.parse(undone).nodes[3].position).toEqual(movedFrom);
    await page.getByTestId('editor-redo').click();
    expect(await page.getByTestId('editor-json-text').inputValue()).toBe(done);

    for (const [w, h] of [[1440, 900], [1280, 720]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('editor').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, w === 1440 ? 'editor.png' : `editor-${w}.png`), fullPage: false });
    }

    // A share link opens the design in the sandbox of another page.
    await page.getByTestId('share').click();
    const url = await page.getByTestId('share-url').inputValue();
    const { page: other, problems: otherProblems } = await open(url.slice(url.indexOf('#')));
    await expect.poll(() => other.getByTestId('scenario-title').textContent(), { timeout: 30_000 }).toBe('My design');
    expect(otherProblems).toEqual([]);
    await other.close();

    // Export, then run in the sandbox: the command line runs the file to the browser's hash.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('editor-export').click()]);
    expect(download.suggestedFilename()).toBe('my-design.json');
    const exported = readFileSync((await download.path())!, 'utf8');
    expect(exported).toBe(done);
    await page.getByTestId('editor-run').click();
    await page.locator('[data-testid="run-status"][data-phase="done"]').waitFor({ timeout: 60_000 });
    const shownHash = await page.getByTestId('trace-hash').textContent();
    const cli = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'sim/cli.ts'), 'run', (await download.path())!, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect((JSON.parse(cli) as RunResult).traceHash).toBe(shownHash);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('forks a built-in, starts from a template and places a palette entry where it is dropped', async () => {
    const { page, problems } = await open();
    await page.setViewportSize({ width: 1440, height: 900 });
    await chooseScenario(page, 'resilience/cascading-failure');
    await page.getByTestId('edit-design').click();
    await page.getByTestId('editor').waitFor({ timeout: 30_000 });
    const file = JSON.parse(readFileSync(join(ROOT, 'scenarios/resilience/cascading-failure.json'), 'utf8')) as { nodes: { id: string }[]; workloads: { id: string }[] };
    for (const n of [...file.nodes, ...file.workloads]) await page.getByTestId(`editor-box-${n.id}`).waitFor({ state: 'attached' });
    expect(await page.locator('[data-testid^="editor-box-"]').count()).toBe(file.nodes.length + file.workloads.length);

    await page.getByTestId('editor-template').selectOption('checkout');
    await page.getByTestId('editor-box-checkout-api').waitFor();
    expect(await page.locator('[data-testid^="editor-box-"]').count()).toBe(5);
    // Back to the fork with one undo: a template is an edit like any other.
    await page.getByTestId('editor-undo').click();
    await page.getByTestId(`editor-box-${file.nodes[0].id}`).waitFor({ state: 'attached' });
    await page.getByTestId('editor-redo').click();

    const canvas = await page.getByTestId('editor-canvas').boundingBox();
    if (!canvas) throw new Error('no canvas');
    await page.getByTestId('palette-queue').dragTo(page.getByTestId('editor-canvas'), { targetPosition: { x: 320, y: canvas.height - 80 } });
    const queue = page.locator('[data-testid^="editor-box-"][data-kind="queue"]');
    await queue.waitFor();
    const box = await queue.boundingBox();
    expect(box && Math.abs(box.x + box.width / 2 - (canvas.x + 320))).toBeLessThan(20);
    expect(problems).toEqual([]);
    await page.close();
  });
});

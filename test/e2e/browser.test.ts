/**
 * End-to-end: build the sandbox, serve it on 127.0.0.1, drive it in Debian's Chromium, and
 * check that the browser computes exactly the run Node computes (DESIGN: "Node and browser
 * agree"), that bad files are explained, and that scenario text is never markup.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { DRAWN_AS_ONE } from '../../ui/layout.ts';
import {
  builtInScenarios,
  canvasInk,
  cursorUs,
  fullPageScreenshot,
  nextFrames,
  open,
  openFile,
  recordedUntil,
  ROOT,
  runInPage,
  SCREENSHOTS,
  seek,
  useSandbox,
  waitForDone, chooseScenario } from './harness.ts';

const SCREENSHOT = join(SCREENSHOTS, 'sandbox.png');

useSandbox();

// ---------------------------------------------------------------------------------------------

describe('the sandbox in Chromium', () => {
  it('loads without console errors and lists every built-in scenario by folder', async () => {
    const { page, problems } = await open();
    const expected = builtInScenarios();
    await page.locator('[data-scenario-id]').first().waitFor();

    const ids = await page.locator('[data-scenario-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario-id')));
    expect(ids).toEqual(expected.map((s) => s.id));
    const folders = await page.locator('.gallery-folder').allTextContents();
    expect(folders).toEqual([...new Set(expected.map((s) => s.id.split('/')[0]))]);
    for (const s of expected) {
      const item = page.locator(`[data-scenario-id="${s.id}"]`);
      expect(await item.locator('.gallery-title').textContent()).toBe(s.title);
    }
    expect(await page.locator('h1').textContent()).toBe('Faultline');
    expect(problems).toEqual([]);
    await page.close();
  });

  for (const file of ['network/crash-restart', 'network/lossy-partition']) {
    it(`runs ${file} to the same trace hash as Node, with its own seed and another`, async () => {
      const { page, problems } = await open();
      const text = readFileSync(join(ROOT, 'scenarios', `${file}.json`), 'utf8');
      const loaded = loadScenarioText(text);
      if (!loaded.ok) throw new Error(`${file} does not load: ${JSON.stringify(loaded.errors)}`);
      const ownSeed = loaded.scenario.seed;

      await chooseScenario(page, file);
      expect(await page.getByTestId('seed').inputValue()).toBe(String(ownSeed));

      const hashes: string[] = [];
      for (const seed of [ownSeed, 424242]) {
        const inBrowser = await runInPage(page, seed);
        const inNode = runScenario(loaded.scenario, { seed });
        expect(inBrowser.shownHash).toBe(inNode.traceHash);
        expect(inBrowser.shownSeed).toBe(String(seed));
        expect(inBrowser.shownScenarioHash).toBe(inNode.scenarioHash);
        // The whole result, not just the hash: metrics, series and checks agree to the bit.
        expect(inBrowser.result).toEqual(inNode);
        hashes.push(inNode.traceHash);

        if (file === 'network/crash-restart' && seed === ownSeed) {
          await page.getByTestId('series-chart').locator('path.series').first().waitFor();
          // Just after the crash at 10 s: the server red, requests to it dropped (node-down).
          await seek(page, 10_050_000);
          mkdirSync(SCREENSHOTS, { recursive: true });
          await fullPageScreenshot(page, SCREENSHOT);
        }
      }
      expect(hashes[1]).not.toBe(hashes[0]);
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it('explains a file that is not JSON and a scenario with a negative latency, naming the field', async () => {
    const { page, problems } = await open();

    await openFile(page, 'broken.json', 'this is { not json');
    const notJson = page.getByTestId('scenario-errors');
    await notJson.waitFor();
    expect(await notJson.textContent()).toMatch(/^\(root\): not valid JSON/);
    expect(await page.locator('h1').textContent()).toBe('Faultline');
    expect(await page.getByTestId('run').count()).toBe(0);

    const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios/network/crash-restart.json'), 'utf8'));
    scenario.network.latency = { type: 'constant', ms: -5 };
    await openFile(page, 'negative-latency.json', JSON.stringify(scenario));
    await expect.poll(() => page.getByTestId('scenario-errors').textContent()).toContain('network.latency.ms: expected a number ≥ 0, got -5');
    expect(await page.locator('.gallery-item.selected .gallery-title').textContent()).toBe('negative-latency.json');

    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows markup in scenario text as literal text', async () => {
    const { page, problems } = await open();
    const markup = '<img src=x onerror=alert(1)>';
    const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios/network/crash-restart.json'), 'utf8'));
    Object.assign(scenario, {
      title: `Hostile ${markup}`,
      description: `Description ${markup}`,
      watch: `Watch ${markup}`,
      notes: `Notes ${markup}`,
    });
    scenario.checks[1].name = `check ${markup}`;
    scenario.nodes[0].label = `${markup} node`;
    await openFile(page, 'hostile.json', JSON.stringify(scenario));

    const title = page.getByTestId('scenario-title');
    await title.waitFor();
    expect(await title.textContent()).toBe(`Hostile ${markup}`);
    expect(await page.locator('.gallery-item.selected .gallery-title').textContent()).toBe(`Hostile ${markup}`);
    expect(await page.locator('.description').textContent()).toBe(`Description ${markup}`);
    expect(await page.locator('.callout.watch p').textContent()).toBe(`Watch ${markup}`);
    expect(await page.locator('.callout.notes p').textContent()).toBe(`Notes ${markup}`);

    // A node's label is drawn as SVG text (cut to fit, whole in its tooltip).
    const node = page.locator('g.node[data-node="server"]');
    expect(await node.locator('title').textContent()).toBe(`${markup} node (server)`);
    expect(await node.locator('.node-label').textContent()).toMatch(/^<img src=x/);

    // The check's name comes back from the worker in the result and is drawn too.
    await runInPage(page, 1);
    expect(await page.getByTestId('checks').textContent()).toContain(`check ${markup}`);

    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(problems).toEqual([]); // includes any alert() dialog
    await page.close();
  });
});

describe('the sandbox views (playback, topology, charts, interventions)', () => {
  // Every built-in scenario: it runs to Node's trace hash, plays, and draws non-empty views
  // with no console errors.
  for (const { id } of builtInScenarios()) {
    it(`plays ${id}: topology, messages and charts drawn, same trace hash as Node, no console errors`, async () => {
      const { page, problems } = await open();
      const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios', `${id}.json`), 'utf8'));
      if (!loaded.ok) throw new Error(`${id} does not load: ${JSON.stringify(loaded.errors)}`);
      const scenario = loaded.scenario;
      await chooseScenario(page, id);

      // Every node and workload client is drawn, with its label as text; a group of more than
      // DRAWN_AS_ONE members as one box.
      const nodes = page.getByTestId('topology-svg').locator('g.node');
      const all = [...scenario.nodes, ...scenario.workloads].map((n) => (n as { group?: string }).group);
      const sizes = new Map<string, number>();
      for (const g of all) if (g !== undefined) sizes.set(g, (sizes.get(g) ?? 0) + 1);
      const big = (g: string | undefined) => g !== undefined && sizes.get(g)! > DRAWN_AS_ONE;
      const boxes = all.filter((g) => !big(g)).length + [...sizes.keys()].filter(big).length;
      await expect.poll(() => nodes.count()).toBe(boxes);

      // Play before Run starts the run; the clock moves.
      await page.getByTestId('play').click();
      await expect.poll(() => cursorUs(page), { timeout: 30_000 }).toBeGreaterThan(0);
      await waitForDone(page, 1);
      if ((await page.getByTestId('play').getAttribute('data-playing')) === 'true') await page.getByTestId('play').click();
      await page.locator('[data-testid="play"][data-playing="false"]').waitFor();

      const inNode = runScenario(scenario, { seed: scenario.seed });
      expect(await page.getByTestId('trace-hash').textContent()).toBe(inNode.traceHash);

      // Somewhere busy: the middle of what was recorded.
      const recorded = await recordedUntil(page);
      await seek(page, Math.floor(Math.min(scenario.durationMs * 1000, recorded) / 2));
      expect(await canvasInk(page)).toBeGreaterThan(0);
      // Request throughput, where clients make requests (2PC and saga scenarios have none).
      // Scenarios without workloads (2PC, sagas), or whose clients are not the story
      // (clientCharts: false — a producer feeding a queue), show only the charts they declare.
      const throughput = page.getByTestId('chart-throughput');
      const clientCharts = scenario.workloads.length > 0 && scenario.clientCharts !== false;
      if (!clientCharts) {
        expect(await throughput.count()).toBe(0);
        expect(await page.getByTestId('chart-declared-0').count()).toBe(scenario.charts.length > 0 ? 1 : 0);
      } else if (inNode.metrics[`${(scenario.declared ?? scenario).workloads[0]?.id}.ok`]) {
        // (A workload group's metrics are reported under the group's id.)
        expect((await throughput.locator('path.series.ok').getAttribute('d')) ?? '').not.toBe('');
      } else {
        expect(await throughput.getAttribute('data-empty')).toBe('true');
        expect(await throughput.locator('.empty-note').textContent()).toMatch(/^all zero so far/);
      }
      const firstChart = clientCharts ? 'throughput' : 'declared-0';
      if (clientCharts || scenario.charts.length > 0) {
        expect(await page.getByTestId(`cursor-${firstChart}`).getAttribute('style')).toMatch(/translateX\((?!0px)/);
      }

      // The views below the charts, at the same cursor: messages in the space-time window, records
      // in the event log, and transactions where the scenario has sagas or 2PC.
      // (Widening the window until it holds messages: a quiet moment may have none in the default one,
      // and past the record budget a long run keeps only a sample of its flights.)
      const spacetime = page.getByTestId('spacetime');
      await spacetime.waitFor({ timeout: 30_000 });
      for (let widen = 0; widen < 24 && Number((await spacetime.getAttribute('data-drawn')) ?? 0) === 0; widen++) {
        await page.getByTestId('spacetime-zoom-out').click();
        await nextFrames(page);
      }
      expect(Number(await spacetime.getAttribute('data-drawn'))).toBeGreaterThan(0);
      await page.getByTestId('view-tab-log').click();
      await expect.poll(async () => Number(await page.getByTestId('log-summary').getAttribute('data-rows')), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await page.getByTestId('log-row').count()).toBeGreaterThan(0);
      await page.getByTestId('view-tab-transactions').click();
      const transactional = scenario.nodes.some((n) => /saga|2pc|coordinator/.test(n.kind));
      if (transactional) await expect.poll(() => page.locator('[data-txn]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
      else expect(await page.getByTestId('tx-note').first().textContent()).toMatch(/No sagas or two-phase commits/);
      expect(await page.getByTestId('inspector-empty').textContent()).toMatch(/Click a node/);
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it('travels in time: the crashed server is red at 12 s, up at 5 s and again at 16 s; steps move the clock', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'network/crash-restart');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    const server = page.locator('g.node[data-node="server"]');
    await seek(page, 12_000_000);
    expect(await server.getAttribute('class')).toContain('status-crashed');
    expect(await server.locator('.node-sub').textContent()).toBe('CRASHED');
    await seek(page, 5_000_000);
    expect(await server.getAttribute('class')).toContain('status-up');
    await seek(page, 16_000_000);
    expect(await server.getAttribute('class')).toContain('status-up');
    // Drops at the crashed server flash with their reason: some were dropped node-down.
    const before = await cursorUs(page);
    await page.getByTestId('step-forward').click();
    const after = await cursorUs(page);
    expect(after).toBeGreaterThan(before);
    await page.getByTestId('step-back').click();
    expect(await cursorUs(page)).toBeLessThan(after);
    // Zoom and pan move the picture; Fit brings it back.
    const viewport = page.getByTestId('topology-svg').locator('g.viewport');
    const fitted = await viewport.getAttribute('transform');
    const box = (await page.getByTestId('topology').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await expect.poll(() => viewport.getAttribute('transform')).not.toBe(fitted);
    await page.getByRole('button', { name: 'Fit' }).click();
    await expect.poll(() => viewport.getAttribute('transform')).toBe(fitted);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws pattern state on the nodes: the breaker goes OPEN during the slowdown and CLOSED after', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'resilience/cascading-failure');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    const api = page.locator('g.node[data-node="api"]');
    // Slow enough to see single messages (at 1× a 1 ms flight is a blur of a streak).
    await page.getByTestId('speed').fill('-1.3');
    await seek(page, 22_000_000);
    const open22 = await api.locator('.nb-row').allTextContents();
    expect(open22.join(' | ')).toContain('OPEN');
    // A badge row's text includes its tooltip (<title>), so look for the value within it.
    expect((await page.locator('g.node[data-node="payments"] .nb-row').allTextContents()).join(' | ')).toContain('slow ×100');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.getByTestId('topology').screenshot({ path: join(SCREENSHOTS, 'topology-breaker-open.png') });
    await page.getByTestId('charts').screenshot({ path: join(SCREENSHOTS, 'charts.png') });
    await seek(page, 55_000_000);
    expect((await api.locator('.nb-row').allTextContents()).join(' | ')).toContain('CLOSED');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a click-to-crash changes the outcome, and the exported scenario replays in Node to the same trace hash', async () => {
    const { page, problems } = await open();
    const file = 'resilience/cascading-failure';
    const text = readFileSync(join(ROOT, 'scenarios', `${file}.json`), 'utf8');
    await chooseScenario(page, file);
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    const before = (await page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult;

    // Crash payments at 10 s: a what-if branch of the same seed.
    await seek(page, 10_000_000);
    await page.locator('g.node[data-node="payments"]').click();
    const menu = page.getByTestId('node-menu');
    await menu.waitFor();
    await menu.screenshot({ path: join(SCREENSHOTS, 'node-menu.png') });
    await page.locator('[data-action="crash"]').click();
    await waitForDone(page, 2);
    const after = (await page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult;
    const shownHash = await page.getByTestId('trace-hash').textContent();
    expect(shownHash).toBe(after.traceHash);
    expect(after.traceHash).not.toBe(before.traceHash);
    expect(after.metrics['payments.crashes']).toBe(1);
    expect(after.metrics['client.ok']).not.toBe(before.metrics['client.ok']);
    expect(after.faultLog.filter((e) => e.source === 'injected').map((e) => e.fault)).toEqual([
      { type: 'crash', node: 'payments', restartAfterMs: null, atMs: 10_000.001 },
    ]);
    expect(await page.getByTestId('interventions').textContent()).toContain('crash payments');
    // The records before the cursor were kept; the branch continues from there.
    await seek(page, 10_500_000);
    expect(await page.locator('g.node[data-node="payments"]').getAttribute('class')).toContain('status-crashed');
    await fullPageScreenshot(page, join(SCREENSHOTS, 'what-if-crash.png'));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
    expect(download.suggestedFilename()).toBe('cascading-failure-whatif.json');
    const exported = readFileSync((await download.path())!, 'utf8');
    const replayed = loadScenarioText(exported);
    if (!replayed.ok) throw new Error(`the exported scenario does not load: ${JSON.stringify(replayed.errors)}`);
    expect(replayed.scenario.faults.length).toBe(loadScenarioText(text).ok ? 2 : -1);
    // As `npm run sim -- run exported.json` would: the file's own seed, no overrides…
    const inNode = runScenario(replayed.scenario);
    expect(inNode.traceHash).toBe(shownHash);
    // …and the command line itself, on the downloaded file.
    const cli = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'sim/cli.ts'), 'run', (await download.path())!, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect((JSON.parse(cli) as RunResult).traceHash).toBe(shownHash);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('measures frame times with 200 nodes and about 2,000 messages in flight (reported, not asserted)', async () => {
    const { page, problems } = await open();
    await openFile(page, 'busy.json', JSON.stringify(busyScenario()));
    await page.getByTestId('scenario-title').waitFor();
    await expect.poll(() => page.getByTestId('topology-svg').locator('g.node').count()).toBe(200);
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await page.getByTestId('speed').fill('-1'); // 0.1×: a 100 ms flight takes a second
    await seek(page, 1_000_000);
    await page.evaluate(() => window.__faultlinePerf?.draws.splice(0));
    await page.getByTestId('play').click();
    const deltas = await page.evaluate(
      () =>
        new Promise<number[]>((done) => {
          const out: number[] = [];
          let last = -1;
          const tick = (ts: number) => {
            if (last >= 0) out.push(ts - last);
            last = ts;
            if (out.length < 240) requestAnimationFrame(tick);
            else done(out);
          };
          requestAnimationFrame(tick);
        }),
    );
    await page.getByTestId('play').click();
    const inFlight = Number(await page.getByTestId('topology-stats').getAttribute('data-in-flight'));
    const draws = await page.evaluate(() => window.__faultlinePerf?.draws ?? []);
    await page.getByTestId('topology').screenshot({ path: join(SCREENSHOTS, 'busy-200-nodes.png') });
    const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
    console.log(
      `[perf] 200 nodes, ${inFlight} messages in flight: frame interval p50 ${q(deltas, 0.5).toFixed(1)} ms, p95 ${q(deltas, 0.95).toFixed(1)} ms ` +
        `(${deltas.length} frames); draw time p50 ${q(draws, 0.5).toFixed(2)} ms, p95 ${q(draws, 0.95).toFixed(2)} ms (${draws.length} draws)`,
    );
    expect(inFlight).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
    await page.close();
  });
});

/** 100 open-loop clients, each calling its own service over a 100 ms link: 200 nodes, ~2,000 messages in flight. */
function busyScenario(): Record<string, unknown> {
  const n = 100;
  return {
    version: 1,
    title: 'Busy: 100 clients and 100 services',
    description: 'For measuring frame times.',
    seed: 1,
    durationMs: 3000,
    network: { latency: { type: 'constant', ms: 100 } },
    nodes: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, kind: 'service', workers: 4, serviceTime: { type: 'exponential', meanMs: 5 } })),
    workloads: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, kind: 'open', target: `s${i}`, arrival: { type: 'poisson', ratePerSec: 100 } })),
  };
}

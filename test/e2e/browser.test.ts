/**
 * End-to-end: build the sandbox, serve it on 127.0.0.1, drive it in Debian's Chromium, and
 * check that the browser computes exactly the run Node computes (DESIGN: "Node and browser
 * agree"), that bad files are explained, and that scenario text is never markup.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { loadScenarioText } from '../../ui/load.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'test/e2e/screenshots/sandbox.png');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let outDir = '';
let server: Server | null = null;
let baseUrl = '';
let browser: Browser | null = null;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}, which is not installed. ` +
        'Install it with: apt-get update && apt-get install -y chromium',
    );
  }
  outDir = mkdtempSync(join(tmpdir(), 'faultline-e2e-'));
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build: test
  // the production bundle that `npm run build` makes.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: ROOT,
      configFile: join(ROOT, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  server = await serveStatic(outDir);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

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

      await page.locator(`[data-scenario-id="${file}"]`).click();
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
          mkdirSync(join(ROOT, 'test/e2e/screenshots'), { recursive: true });
          await page.screenshot({ path: SCREENSHOT, fullPage: true });
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
    await openFile(page, 'hostile.json', JSON.stringify(scenario));

    const title = page.getByTestId('scenario-title');
    await title.waitFor();
    expect(await title.textContent()).toBe(`Hostile ${markup}`);
    expect(await page.locator('.gallery-item.selected .gallery-title').textContent()).toBe(`Hostile ${markup}`);
    expect(await page.locator('.description').textContent()).toBe(`Description ${markup}`);
    expect(await page.locator('.callout.watch p').textContent()).toBe(`Watch ${markup}`);
    expect(await page.locator('.callout.notes p').textContent()).toBe(`Notes ${markup}`);

    // The check's name comes back from the worker in the result and is drawn too.
    await runInPage(page, 1);
    expect(await page.getByTestId('checks').textContent()).toContain(`check ${markup}`);

    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(problems).toEqual([]); // includes any alert() dialog
    await page.close();
  });
});

// ---------------------------------------------------------------------------------------------

/** A fresh page on the sandbox; `problems` collects console errors, page errors and dialogs. */
async function open(): Promise<{ page: Page; problems: string[] }> {
  if (!browser) throw new Error('the browser did not start (see the beforeAll error)');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(baseUrl);
  await page.locator('h1').waitFor();
  return { page, problems };
}

async function openFile(page: Page, name: string, text: string): Promise<void> {
  await page.getByTestId('open-file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

/** Sets the seed, presses Run, waits for the result. */
async function runInPage(page: Page, seed: number) {
  const status = page.getByTestId('run-status');
  const next = Number(await status.getAttribute('data-run')) + 1;
  await page.getByTestId('seed').fill(String(seed));
  await page.getByTestId('run').click();
  await page.locator(`[data-testid="run-status"][data-run="${next}"]:not([data-phase="running"])`).waitFor({ timeout: 60_000 });
  expect(await status.getAttribute('data-phase'), (await status.textContent()) ?? '').toBe('done');
  return {
    shownHash: await page.getByTestId('trace-hash').textContent(),
    shownSeed: await page.getByTestId('run-seed').textContent(),
    shownScenarioHash: await page.getByTestId('scenario-hash').textContent(),
    result: (await page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult | null,
  };
}

/** The built-in scenarios as the gallery should list them: sorted by path. */
function builtInScenarios(): { id: string; title: string }[] {
  const dir = join(ROOT, 'scenarios');
  const out: { id: string; title: string }[] = [];
  for (const folder of readdirSync(dir).sort()) {
    if (!statSync(join(dir, folder)).isDirectory()) continue;
    for (const file of readdirSync(join(dir, folder)).sort()) {
      if (!file.endsWith('.json')) continue;
      const json = JSON.parse(readFileSync(join(dir, folder, file), 'utf8')) as { title: string };
      out.push({ id: `${folder}/${file.slice(0, -'.json'.length)}`, title: json.title });
    }
  }
  return out;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A minimal static file server for the built app, on a free loopback port. */
function serveStatic(dir: string): Promise<Server> {
  const base = resolve(dir);
  const srv = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(base, urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath));
    if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((ready, fail) => {
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => ready(srv));
  });
}

/**
 * Shared by the browser tests: builds the sandbox (production bundle) into a temporary folder,
 * serves it on 127.0.0.1, starts Debian's Chromium, and offers the page helpers every test
 * uses. Each test file calls `useSandbox()` once at its top level.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, expect } from 'vitest';
import type { RunResult } from '../../sim/scenario/run.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots the suite takes; the README shows them. */
export const SCREENSHOTS = join(ROOT, 'test/e2e/screenshots');
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
/** The sandbox's address once `useSandbox`'s beforeAll has run. */
export let baseUrl = '';
let browser: Browser | null = null;

/** Builds, serves and opens the browser before the file's tests; closes it all after. */
export function useSandbox(): void {
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
}

/**
 * A fresh page on the sandbox; `problems` collects console errors, page errors and dialogs.
 * It is not a first visit (which would open the "start here" lesson) unless `firstVisit` says so.
 */
export async function open(path = '', { firstVisit = false } = {}): Promise<{ page: Page; problems: string[] }> {
  if (!browser) throw new Error('the browser did not start (see the beforeAll error)');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  if (!firstVisit) await page.addInitScript(() => localStorage.setItem('faultline.learn.visited', '1'));
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
  await page.goto(baseUrl + path);
  await page.locator('h1').waitFor();
  // The first built-in is fetched and selected just after the page loads.
  if (path === '' && !firstVisit) await page.locator('[data-scenario-id][aria-current="true"]').waitFor();
  return { page, problems };
}

/** Chooses a built-in in the gallery and waits until it is the selection (its file is fetched on the click). */
export async function chooseScenario(page: Page, id: string): Promise<void> {
  await page.locator(`[data-scenario-id="${id}"]`).click();
  await page.locator(`[data-scenario-id="${id}"][aria-current="true"]`).waitFor();
}

export async function openFile(page: Page, name: string, content: string | Buffer): Promise<void> {
  await page.getByTestId('open-file').setInputFiles({ name, mimeType: 'application/json', buffer: typeof content === 'string' ? Buffer.from(content) : content });
}

/** Sets the seed, presses Run, waits for the result. */
export async function runInPage(page: Page, seed: number) {
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

/** Waits until branch `generation` of the current run (1: the run itself, 2: its first what-if…) is complete. */
export async function waitForDone(page: Page, generation: number): Promise<void> {
  const status = page.getByTestId('run-status');
  await page.locator(`[data-testid="run-status"][data-generation="${generation}"]:not([data-phase="running"])`).waitFor({ timeout: 90_000 });
  expect(await status.getAttribute('data-phase'), (await status.textContent()) ?? '').toBe('done');
}

/** Pauses playback (Run starts it) if it is playing. */
export async function pause(page: Page): Promise<void> {
  const play = page.getByTestId('play');
  if ((await play.getAttribute('data-playing')) === 'true') await play.click();
}

/** Pauses playback, moves the cursor with the scrubber and lets a frame draw. */
export async function seek(page: Page, us: number): Promise<void> {
  await pause(page);
  await page.getByTestId('scrubber').fill(String(us));
  await nextFrames(page);
}

export async function nextFrames(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

export async function cursorUs(page: Page): Promise<number> {
  return Number(await page.getByTestId('clock').getAttribute('data-cursor-us'));
}

/** The time up to which the trace is recorded (the scrubber's shaded part). */
export async function recordedUntil(page: Page): Promise<number> {
  await page.getByTestId('scrubber').fill('1e15');
  await nextFrames(page);
  return cursorUs(page);
}

/** Pixels of the topology canvas that are not transparent. */
export async function canvasInk(page: Page): Promise<number> {
  return page.getByTestId('topology-canvas').evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
    return n;
  });
}

/** The built-in scenarios as the gallery should list them: sorted by path. */
export function builtInScenarios(): { id: string; title: string }[] {
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

/**
 * A screenshot of the whole page. Views that skip drawing while scrolled out of sight (the
 * space-time canvas) are brought into view for a frame first, so the picture shows them drawn.
 */
export async function fullPageScreenshot(page: Page, path: string): Promise<void> {
  const views = page.getByTestId('views');
  if ((await views.count()) > 0) {
    await views.scrollIntoViewIfNeeded();
    await nextFrames(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await nextFrames(page);
  }
  await page.screenshot({ path, fullPage: true });
}

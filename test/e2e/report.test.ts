/**
 * End-to-end: the HTML report of a run opens from a file:// URL in Debian's Chromium without
 * console errors or network requests, and its charts are drawn (non-empty SVG paths).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../sim/cli/main.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'test/e2e/screenshots/report.png');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let dir = '';
let browser: Browser | null = null;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM}, which is not installed. Install it with: apt-get update && apt-get install -y chromium`);
  }
  dir = mkdtempSync(join(tmpdir(), 'faultline-report-e2e-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function report(argv: string[]): Promise<string> {
  const out = join(dir, `report-${argv.join('-').replace(/[^\w-]/g, '_')}.html`);
  let stderr = '';
  const code = await main(['report', ...argv, '--out', out], { stdout: () => {}, stderr: (t) => (stderr += t) });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return out;
}

describe('the HTML report in Chromium', () => {
  it('opens from a file without console errors or requests, and draws its charts', async () => {
    const file = await report(['scenarios/resilience/cascading-failure.json']);
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);

    await expect(page.title()).resolves.toContain('Cascading failure');
    expect(await page.locator('h1').textContent()).toContain('Cascading failure from a slow dependency');

    // Line charts: every series path has path data with more than one point.
    const charts = await page.locator('svg.chart').evaluateAll((svgs) =>
      svgs.map((svg) => ({
        label: svg.getAttribute('aria-label'),
        width: svg.getBoundingClientRect().width,
        paths: [...svg.querySelectorAll('path.series')].map((p) => (p.getAttribute('d') ?? '').length),
        bands: svg.querySelectorAll('rect.band').length,
        faults: svg.querySelectorAll('g.faults rect').length,
      })),
    );
    const lines = charts.filter((c) => c.paths.length > 0);
    // The charts the scenario declares come first (sim/report/report.ts), then the client's three.
    const declared = (JSON.parse(readFileSync(join(ROOT, 'scenarios/resilience/cascading-failure.json'), 'utf8')) as { charts: { title: string }[] }).charts.map((c) => c.title);
    expect(declared.length).toBeGreaterThan(0);
    expect(lines.map((c) => c.label)).toEqual([...declared, 'Answers per second', 'Errors, timeouts and rejections per second', 'Latency of successful requests']);
    for (const c of lines) {
      expect(c.width).toBeGreaterThan(300);
      for (const length of c.paths) expect(length).toBeGreaterThan(20);
      expect(c.faults).toBe(1); // payments' slowdown, 20 s to 35 s
    }
    // The breaker's state band: CLOSED, then OPEN / HALF_OPEN while payments is slow.
    const bands = charts.find((c) => c.label === 'Pattern and node states over time');
    expect(bands?.bands).toBeGreaterThan(5);
    const bandStates = await page.locator('svg.chart rect.band title').allTextContents();
    expect(bandStates.join('\n')).toMatch(/api->payments\.breaker\.state: OPEN from 20\.\d+ s/);

    // The space-time diagram: arrows between client, api and payments.
    const arrows = await page.locator('svg.spacetime line.msg').count();
    expect(arrows).toBeGreaterThan(40);
    const columns = await page.locator('svg.spacetime text.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(columns).toEqual(['client', 'api', 'payments']);

    await expect(page.locator('table.checks tr.pass').count()).resolves.toBe(6);
    expect(await page.locator('pre code').last().textContent()).toBe('npm run sim -- run scenarios/resilience/cascading-failure.json --seed 1');

    mkdirSync(join(ROOT, 'test/e2e/screenshots'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('draws drops and a crash in the space-time diagram and the state bands', async () => {
    const file = await report(['scenarios/network/crash-restart.json', '--seed', '3', '--first', '30']);
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    const status = await page.locator('svg.chart rect.band title').allTextContents();
    expect(status.join('\n')).toMatch(/server status: crashed from 10 s to 15 s/);
    await page.close();
    expect(problems).toEqual([]);
  });
});

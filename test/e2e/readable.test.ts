/**
 * End-to-end: the sandbox is readable at 1280×720 and 1440×900 in every built-in scenario. For
 * each, at the end of what its run recorded, every text on the page — SVG text (node names, badge labels
 * and values, drop labels, chart axes) and HTML text — is measured where it is drawn (clipped by
 * the scroll boxes it sits in): no two text boxes overlap, and none is drawn smaller than 11 px
 * (an SVG text's size counts the zoom it is drawn at), and no node name is cut off at the
 * topology's edges, and no link passes behind another node's box or badges. One page per size
 * opens every scenario in turn. At 1440×900 the topology
 * and a chart are both in view without scrolling: the charts sit in a column beside a system
 * that fits there (ui/topology/stage.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { builtInScenarios, nextFrames, open, recordedUntil, SCREENSHOTS, useSandbox, chooseScenario } from './harness.ts';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
];
const MIN_PX = 11;
/** Screenshots of every scenario at both sizes, to look at (not committed). */
const SHOTS = process.env.FAULTLINE_READABLE_SHOTS ?? '';

interface TextBox {
  /** Which text (element or text node) the box belongs to: the lines of one text may touch. */
  node: number;
  text: string;
  where: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  px: number;
}

/** Every text on the page, as drawn: its box clipped by the scroll boxes around it, and its rendered font size. */
function measureTexts(): TextBox[] {
  const out: TextBox[] = [];
  let node = 0;
  const describe = (el: Element): string => {
    const parts: string[] = [];
    for (let e: Element | null = el; e && parts.length < 3; e = e.parentElement) {
      const id = e.getAttribute('data-testid') ?? '';
      const cls = (e.getAttribute('class') ?? '').split(' ')[0];
      parts.push(`${e.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls ? `.${cls}` : ''}`);
    }
    return parts.reverse().join(' > ');
  };
  // An HTML element clips its own text too (a line clamp); an SVG text is clipped from its parent on.
  const clip = (el: Element, r: { x0: number; y0: number; x1: number; y1: number }) => {
    let { x0, y0, x1, y1 } = r;
    for (let e: Element | null = el instanceof SVGElement ? el.parentElement : el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible' || e.tagName.toLowerCase() === 'svg') {
        const c = e.getBoundingClientRect();
        x0 = Math.max(x0, c.left);
        y0 = Math.max(y0, c.top);
        x1 = Math.min(x1, c.right);
        y1 = Math.min(y1, c.bottom);
      }
    }
    return x1 - x0 > 0.5 && y1 - y0 > 0.5 ? { x0, y0, x1, y1 } : null;
  };
  const shown = (el: Element) => {
    // The content of a closed <details> (all but its summary) is not drawn.
    const closed = el.closest('details:not([open])');
    if (closed && !el.closest('summary')?.parentElement?.isSameNode(closed)) return false;
    for (let e: Element | null = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || Number(cs.opacity) === 0) return false;
    }
    return true;
  };
  for (const t of Array.from(document.querySelectorAll('svg text'))) {
    const text = (t.textContent ?? '').trim();
    if (text === '' || !shown(t)) continue;
    const r = t.getBoundingClientRect();
    const box = clip(t, { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom });
    if (!box) continue;
    const ctm = (t as SVGGraphicsElement).getScreenCTM();
    const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    out.push({ node: node++, text, where: describe(t), ...box, px: parseFloat(getComputedStyle(t).fontSize) * scale });
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const text = (n.textContent ?? '').trim();
    if (!el || text === '' || el.closest('svg') || ['SCRIPT', 'STYLE', 'OPTION', 'TITLE'].includes(el.tagName) || !shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    node++;
    for (const r of Array.from(range.getClientRects())) {
      const box = clip(el, { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom });
      if (box) out.push({ node, text, where: describe(el), ...box, px: parseFloat(getComputedStyle(el).fontSize) });
    }
  }
  return out;
}

/** Pairs of text boxes that overlap by more than a pixel each way. */
function overlaps(boxes: TextBox[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.node === b.node) continue;
      const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
      const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      if (w > 1 && h > 1) found.push(`"${a.text}" (${a.where}) overlaps "${b.text}" (${b.where}) by ${w.toFixed(0)}×${h.toFixed(0)} px`);
    }
  }
  return found;
}

async function problemsAt(page: Page): Promise<{ overlaps: string[]; tiny: string[] }> {
  const boxes = await page.evaluate(measureTexts);
  const tiny = boxes.filter((b) => b.px < MIN_PX - 0.05).map((b) => `"${b.text}" (${b.where}) at ${b.px.toFixed(1)} px`);
  return { overlaps: overlaps(boxes), tiny };
}

async function openAndRun(page: Page, id: string): Promise<void> {
  const status = page.getByTestId('run-status');
  const next = Number((await status.getAttribute('data-run')) ?? 0) + 1;
  await chooseScenario(page, id);
  await page.getByTestId('run').click();
  // Long runs (M/M/1) need not finish: what is recorded is drawn as it arrives.
  await page.locator(`[data-testid="run-status"][data-run="${next}"]:not([data-phase="running"])`).waitFor({ timeout: 20_000 }).catch(() => undefined);
}

/** Node names drawn (partly) outside the topology's visible box: cut off at its edges. */
function cutOffNodeNames(): string[] {
  const svg = document.querySelector('[data-testid="topology-svg"]');
  if (!svg) return [];
  const view = svg.getBoundingClientRect();
  const out: string[] = [];
  for (const t of Array.from(svg.querySelectorAll('.node-label'))) {
    const r = t.getBoundingClientRect();
    if (r.left < view.left - 0.5 || r.right > view.right + 0.5 || r.top < view.top - 0.5 || r.bottom > view.bottom + 0.5) {
      out.push(`node name "${t.textContent ?? ''}" is cut off (${r.left.toFixed(0)}–${r.right.toFixed(0)} × ${r.top.toFixed(0)}–${r.bottom.toFixed(0)} in a view of ${view.left.toFixed(0)}–${view.right.toFixed(0)} × ${view.top.toFixed(0)}–${view.bottom.toFixed(0)})`);
    }
  }
  return out;
}

/**
 * Links that pass behind another node as drawn: each link's route (its band's `data-route`,
 * layout units) taken to the screen, tested piece by piece against every other node's body,
 * queue bar and badge rows where they are drawn (shrunk a pixel: touching is not passing).
 */
function linksThroughNodes(): string[] {
  const svg = document.querySelector('[data-testid="topology-svg"]');
  const viewport = svg?.querySelector('g.viewport') as SVGGraphicsElement | null | undefined;
  const m = viewport?.getScreenCTM();
  if (!svg || !m) return [];
  // Liang–Barsky as in ui/topology/routing.ts segmentHitsBox, written out: this runs in the page.
  const hits = (px: number, py: number, qx: number, qy: number, r: DOMRect): boolean => {
    const x0 = r.left + 1;
    const x1 = r.right - 1;
    const y0 = r.top + 1;
    const y1 = r.bottom - 1;
    let lo = 0;
    let hi = 1;
    const dens = [px - qx, qx - px, py - qy, qy - py];
    const nums = [px - x0, x1 - px, py - y0, y1 - py];
    for (let k = 0; k < 4; k++) {
      if (dens[k] === 0) {
        if (nums[k] < 0) return false;
      } else {
        const f = nums[k] / dens[k];
        if (dens[k] < 0) lo = Math.max(lo, f);
        else hi = Math.min(hi, f);
        if (lo > hi) return false;
      }
    }
    return true;
  };
  const nodes = Array.from(svg.querySelectorAll('g.node')).map((g) => ({
    id: g.getAttribute('data-node') ?? '',
    body: g.querySelector('.node-body')!.getBoundingClientRect(),
    parts: [g.querySelector('.node-body'), ...Array.from(g.querySelectorAll('.bar-track, .badges .nb-bg'))].map((e) => e!.getBoundingClientRect()),
  }));
  const out: string[] = [];
  for (const band of Array.from(svg.querySelectorAll('.link-hit[data-route]'))) {
    const pts = (band.getAttribute('data-route') ?? '').split(' ').map((p) => {
      const [x, y] = p.split(',').map(Number);
      return [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    });
    if (pts.length < 2) continue;
    const [first, last] = [pts[0], pts[pts.length - 1]];
    const isEnd = (r: DOMRect) => [first, last].some(([x, y]) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom);
    for (const node of nodes) {
      if (isEnd(node.body)) continue;
      const crossed = node.parts.some((r) => pts.some((p, i) => i > 0 && hits(pts[i - 1][0], pts[i - 1][1], p[0], p[1], r)));
      if (crossed) out.push(`link ${band.getAttribute('data-link') ?? ''} passes behind node ${node.id}`);
    }
  }
  return out;
}

useSandbox();

/**
 * Known to fail, each with why (issue 10 item 6 stays open while this list is not empty). Empty:
 * outlier detection's eleven nodes crowded the 1280×720 topology until siblings were laid out in
 * a square block and a tall layout got a taller topology (ui/topology/stage.ts).
 */
const KNOWN_FAILURES = new Set<string>([]);

describe('text never overlaps, is never cut off and is never under 11 px', () => {
  // One page per size, every scenario opened in turn in it (as a user switches scenarios).
  for (const size of SIZES) {
    let session: Awaited<ReturnType<typeof open>> | null = null;
    const scenarios = builtInScenarios();
    for (const { id } of scenarios) {
      const name = `${id} at ${size.width}×${size.height}`;
      (KNOWN_FAILURES.has(name) ? it.skip : it)(name, async () => {
        if (!session) {
          session = await open();
          await session.page.setViewportSize(size);
        }
        const { page, problems } = session;
        await openAndRun(page, id);
        // Where the run has recorded most: the end of what is recorded.
        const end = await recordedUntil(page);
        await page.evaluate(() => window.scrollTo(0, 0));
        await nextFrames(page);
        const p = await problemsAt(page);
        const cut = await page.evaluate(cutOffNodeNames);
        const behind = await page.evaluate(linksThroughNodes);
        const where = `${size.width}×${size.height} at ${(end / 1e6).toFixed(1)} s`;
        const found = [...p.overlaps, ...p.tiny.map((t) => `tiny ${t}`), ...cut, ...behind].map((o) => `${where}: ${o}`);
        // For the README: links to the hosts behind the first column reach them between the rows.
        if (id === 'resilience/outlier-detection' && size.width === 1280) {
          await page.getByTestId('topology').scrollIntoViewIfNeeded();
          await page.getByTestId('topology').screenshot({ path: join(SCREENSHOTS, 'routed-links.png') });
          await page.evaluate(() => window.scrollTo(0, 0));
        }
        if (SHOTS) {
          mkdirSync(SHOTS, { recursive: true });
          await page.screenshot({ path: join(SHOTS, `${id.replace('/', '--')}-${size.width}.png`) });
        }
        if (found.length > 0) console.log(`${id}:\n  ${found.join('\n  ')}`);
        const errors = problems.splice(0);
        if (id === scenarios[scenarios.length - 1].id) await page.close();
        expect(found).toEqual([]);
        expect(errors).toEqual([]);
      }, 120_000);
    }
  }

  // Below one another, the topology spanned 386–845 px with the description folded and the first
  // chart 918–1101 px of 900: the charts now sit beside a system that fits the narrower topology.
  it('shows the topology and a chart together without scrolling at 1440×900', async () => {
    const { page } = await open();
    await page.setViewportSize(SIZES[1]);
    await openAndRun(page, 'resilience/cascading-failure');
    // The scenario's description folds away.
    await page.getByTestId('scenario-about').locator('summary').first().click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await nextFrames(page);
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { top: Math.round(r.top), bottom: Math.round(r.bottom), viewHeight: window.innerHeight };
    };
    // The whole topology and the whole of the first chart, at once.
    const topology = await page.getByTestId('topology-svg').evaluate(box);
    const chart = await page.getByTestId('charts').locator('svg').first().evaluate(box);
    expect({ topologyTop: topology.top >= 0, topologyBottom: topology.bottom <= topology.viewHeight, chartBottom: chart.bottom <= chart.viewHeight }, JSON.stringify({ topology, chart })).toEqual({
      topologyTop: true,
      topologyBottom: true,
      chartBottom: true,
    });
    // The user can put them below (and back).
    expect(await page.getByTestId('stage').getAttribute('data-charts')).toBe('beside');
    await page.getByTestId('charts-place').click();
    expect(await page.getByTestId('stage').getAttribute('data-charts')).toBe('below');
    const below = await page.getByTestId('charts').locator('svg').first().evaluate(box);
    expect(below.top).toBeGreaterThan(topology.bottom);
    await page.getByTestId('charts-place').click();
    expect(await page.getByTestId('stage').getAttribute('data-charts')).toBe('beside');
    await page.close();
  });
});

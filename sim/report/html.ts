/**
 * Text into markup. Everything a scenario provides (titles, descriptions, node ids, check
 * names, state values) is data, never markup: it goes through `esc` on its way into HTML or
 * SVG, in text and in attributes alike.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A number for an SVG attribute: at most two decimals, no "-0", never NaN. */
export function n(x: number): string {
  if (!Number.isFinite(x)) return '0';
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Shortens a label for a fixed space; the full text goes into a <title>. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/** Ten distinguishable colours (Tableau 10), for series without a colour of their own. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Colours of request outcomes, the same in every chart. */
export const OUTCOME_COLORS: Record<string, string> = {
  ok: '#59a14f',
  fallback: '#76b7b2',
  error: '#e15759',
  timeout: '#f28e2b',
  rejected: '#b07aa1',
};

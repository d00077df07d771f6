/** Number and time formatting for the page: fixed locale, so every browser shows the same text. */

const LOCALE = 'en-US';

/** Integers with thousands separators; other numbers with a sensible number of digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString(LOCALE);
  const abs = Math.abs(n);
  if (abs >= 100) return n.toLocaleString(LOCALE, { maximumFractionDigits: 1 });
  if (abs >= 1) return n.toLocaleString(LOCALE, { maximumFractionDigits: 2 });
  return n.toLocaleString(LOCALE, { maximumSignificantDigits: 3 });
}

/** Simulated time in µs as seconds (or ms below a second). */
export function formatSimTime(us: number): string {
  if (us < 1_000_000) return `${formatNumber(us / 1000)} ms`;
  return `${(us / 1_000_000).toLocaleString(LOCALE, { maximumFractionDigits: 3 })} s`;
}

export function formatPercent(fraction: number): string {
  return `${Math.floor(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}

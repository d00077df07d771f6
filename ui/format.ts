/** Number and time formatting for the page: fixed locale, so every browser shows the same text. */

const LOCALE = 'en-US';

/*
 * One formatter per style, made once: Number.prototype.toLocaleString builds a new one on every
 * call, which made formatting a measurable share of the page's main thread while a run computed.
 */
const INTEGER = new Intl.NumberFormat(LOCALE);
const ONE_DECIMAL = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const TWO_DECIMALS = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
const THREE_DECIMALS = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 3 });
const THREE_DIGITS = new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 3 });

/** Integers with thousands separators; other numbers with a sensible number of digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return INTEGER.format(n);
  const abs = Math.abs(n);
  if (abs >= 100) return ONE_DECIMAL.format(n);
  if (abs >= 1) return TWO_DECIMALS.format(n);
  return THREE_DIGITS.format(n);
}

/** Simulated time in µs as seconds (or ms below a second). */
export function formatSimTime(us: number): string {
  if (us < 1_000_000) return `${formatNumber(us / 1000)} ms`;
  return `${THREE_DECIMALS.format(us / 1_000_000)} s`;
}

/**
 * The unit a run of `endUs` is read in — hours from 3 h, minutes from 3 min, else seconds —
 * shared by the chart axes and the playback clock, so both speak the same unit.
 */
export function runTimeUnit(endUs: number): { us: number; name: string } {
  const endSec = endUs / 1e6;
  if (endSec >= 3 * 3600) return { us: 3600e6, name: 'h' };
  if (endSec >= 180) return { us: 60e6, name: 'min' };
  return { us: 1e6, name: 's' };
}

/** Simulated time in the unit of a run of `endUs` (see runTimeUnit): "2.8 s", "12.35 h". */
export function formatRunTime(us: number, endUs: number): string {
  const unit = runTimeUnit(endUs);
  if (unit.name === 's') return formatSimTime(us);
  return `${TWO_DECIMALS.format(us / unit.us)} ${unit.name}`;
}

export function formatPercent(fraction: number): string {
  return `${Math.floor(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}

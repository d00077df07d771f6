/**
 * Plain helpers about scenario text and names, apart from the schema (load.ts re-exports them)
 * so that the engine can use them without loading zod: canonical JSON for hashes, and the
 * closest name for "did you mean".
 */

/** A likely intended key: same letters ignoring case, or at most two edits away. */
export function closestName(key: string, candidates: string[]): string | null {
  if (key.length > 64) return null;
  let best: string | null = null;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = c.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every level, no whitespace: equal data
 * gives equal text, so it can be hashed. Follows JSON.stringify otherwise (undefined fields are
 * left out, non-finite numbers become null); throws on cycles and bigints.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, new Set()) ?? 'null';
}

function canonical(value: unknown, ancestors: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint has no JSON form');
    case 'object':
      break;
    default:
      return undefined; // undefined, functions, symbols
  }
  const obj = value as object & { toJSON?: unknown };
  if (typeof obj.toJSON === 'function') return canonical((obj.toJSON as () => unknown)(), ancestors);
  if (ancestors.has(obj)) throw new TypeError('canonicalJson: the value contains a cycle');
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((v) => canonical(v, ancestors) ?? 'null').join(',')}]`;
    const record = obj as Record<string, unknown>;
    const fields: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const text = canonical(record[key], ancestors);
      if (text !== undefined) fields.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${fields.join(',')}}`;
  } finally {
    ancestors.delete(obj);
  }
}

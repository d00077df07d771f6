/**
 * `JSON.stringify(value, null, 2)`, written in pieces: objects and arrays are walked entry by
 * entry down to `depth` levels and each entry below that is stringified on its own, so a result
 * with a million metrics never becomes one giant string. The text is exactly what
 * `JSON.stringify(value, null, 2)` gives (plain data: no toJSON, no cycles).
 */
export function writeJson(value: unknown, write: (chunk: string) => void, depth = 3): void {
  const out = new ChunkedWriter(write);
  writeValue(value, '', depth, out);
  out.flush();
}

/** Gathers small pieces into chunks of about 64 KB before handing them on. */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly sink: (chunk: string) => void) {}

  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 65_536) this.flush();
  }

  flush(): void {
    if (this.size === 0) return;
    this.sink(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function writeValue(value: unknown, indent: string, depth: number, out: ChunkedWriter): void {
  if (depth === 0 || value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`));
    return;
  }
  const inner = `${indent}  `;
  const isArray = Array.isArray(value);
  // What JSON.stringify leaves out of an object (and writes as null in an array).
  const entries = isArray
    ? value.map((v, i) => [String(i), skipped(v) ? null : v] as const)
    : Object.entries(value).filter(([, v]) => !skipped(v));
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return out.push(`${open}${close}`);
  out.push(`${open}\n`);
  entries.forEach(([key, v], i) => {
    out.push(isArray ? inner : `${inner}${JSON.stringify(key)}: `);
    writeValue(v, inner, depth - 1, out);
    out.push(i < entries.length - 1 ? ',\n' : '\n');
  });
  out.push(`${indent}${close}`);
}

function skipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

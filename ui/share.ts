/**
 * Share by URL. A link carries a scenario in its fragment (after `#`, so it never reaches a
 * server), in one of two forms:
 *
 *   #scenario=resilience/retry-storm&seed=7    a built-in scenario, by id
 *   #s=<base64url of deflate-raw(JSON)>        any scenario text (an opened file, a what-if
 *                                              branch with its interventions and seed)
 *
 * What arrives in a link is untrusted: the encoded part is capped before decoding, the decoded
 * text is capped while it inflates (a small link cannot expand into a huge one), and the text
 * then goes through the same validation as a file opened from disk. Nothing in it is evaluated.
 */
import { MAX_SCENARIO_BYTES } from '../sim/scenario/load.ts';

/** Longest fragment accepted or made (characters): what chat tools and browsers pass on intact. */
export const MAX_SHARE_CHARS = 32_000;

export type SharedLink =
  | { kind: 'none' }
  | { kind: 'built-in'; id: string; seed: number | null }
  | { kind: 'text'; text: string; seed: number | null }
  | { kind: 'error'; message: string };

/** The fragment for a built-in scenario and seed. */
export function builtInFragment(id: string, seed: number): string {
  return `#scenario=${encodeURIComponent(id).replace(/%2F/g, '/')}&seed=${seed}`;
}

/** The fragment carrying scenario text (compact JSON, compressed), or an error when too long. */
export async function textFragment(text: string): Promise<{ ok: true; fragment: string } | { ok: false; message: string }> {
  let compact: string;
  try {
    compact = JSON.stringify(JSON.parse(text));
  } catch {
    return { ok: false, message: 'the scenario is not valid JSON' };
  }
  const packed = base64url(await deflate(new TextEncoder().encode(compact)));
  const fragment = `#s=${packed}`;
  if (fragment.length > MAX_SHARE_CHARS) {
    return { ok: false, message: `the link would be ${fragment.length.toLocaleString('en')} characters, more than the limit of ${MAX_SHARE_CHARS.toLocaleString('en')}: export the file instead` };
  }
  return { ok: true, fragment };
}

/** Reads a location fragment (`#…`, or empty). Never throws: a bad link is an `error`. */
export async function readFragment(hash: string): Promise<SharedLink> {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { kind: 'none' };
  if (raw.length > MAX_SHARE_CHARS) {
    return { kind: 'error', message: `the link is ${raw.length.toLocaleString('en')} characters long, more than the limit of ${MAX_SHARE_CHARS.toLocaleString('en')}` };
  }
  const params = new URLSearchParams(raw);
  const seedText = params.get('seed');
  let seed: number | null = null;
  if (seedText !== null) {
    if (!/^\d+$/.test(seedText) || !Number.isSafeInteger(Number(seedText))) {
      return { kind: 'error', message: `the link's seed must be a whole number ≥ 0, got ${JSON.stringify(seedText.slice(0, 40))}` };
    }
    seed = Number(seedText);
  }
  const id = params.get('scenario');
  if (id !== null) return { kind: 'built-in', id, seed };
  const packed = params.get('s');
  if (packed === null) {
    return { kind: 'error', message: `the link's fragment ${JSON.stringify(`#${raw.slice(0, 80)}`)} is not a Faultline link: expected #scenario=<folder/name>&seed=N or #s=<scenario>` };
  }
  const bytes = unbase64url(packed);
  if (bytes === null) return { kind: 'error', message: 'the link is damaged: its scenario part is not base64url text (was it cut short when copied?)' };
  const inflated = await inflate(bytes, MAX_SCENARIO_BYTES);
  if (!inflated.ok) return { kind: 'error', message: inflated.message };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes);
  } catch {
    return { kind: 'error', message: 'the link is damaged: its scenario is not UTF-8 text' };
  }
  return { kind: 'text', text, seed };
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates, giving up as soon as the output passes `limit` bytes. */
async function inflate(bytes: Uint8Array, limit: number): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; message: string }> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel();
        return { ok: false, message: `the link's scenario is larger than the limit of ${limit.toLocaleString('en')} bytes` };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, message: 'the link is damaged: its scenario part does not decompress (was it cut short when copied?)' };
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { ok: true, bytes: out };
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function unbase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

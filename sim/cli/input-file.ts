import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { BadInput } from './bad-input.ts';

/**
 * Reading a file the command line was given (a scenario, a sweep's --out file): only a
 * regular file is read, at most `maxBytes` of it, and only if it is UTF-8 text. A directory,
 * a device (/dev/zero would never end), a FIFO or a socket is refused before a byte is read,
 * and so is a file that is not UTF-8 (a decoder would turn its bad bytes into U+FFFD silently).
 * Every refusal is a `BadInput`: the command exits 2 with the message.
 */
export interface TextFileLimit {
  maxBytes: number;
  /** The whole message when the file is larger, given its size in bytes. */
  tooLarge(size: number): string;
}

export function readTextFile(file: string, limit?: TextFileLimit): string {
  const fd = openForReading(file);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new BadInput(`${file}: ${notAFile(stat)}, not a file the command can read`);
    if (limit !== undefined && stat.size > limit.maxBytes) throw new BadInput(limit.tooLarge(stat.size));
    const bytes = readAll(fd, stat.size, limit?.maxBytes);
    if (bytes === null) throw new BadInput(limit!.tooLarge(limit!.maxBytes + 1));
    if (!isUtf8(bytes)) throw new BadInput(`${file}: ${notUtf8(bytes)}`);
    return bytes.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens without blocking: opening a FIFO for reading waits for a writer, possibly forever,
 * unless O_NONBLOCK is given (it changes nothing for a regular file). fstat on the open file
 * then decides, so the file checked is the file read.
 */
function openForReading(file: string): number {
  try {
    return openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new BadInput(`${file}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new BadInput(`${file}: not allowed to read it (permission denied)`);
    throw new BadInput(`${file}: cannot be read (${(e as Error).message})`);
  }
}

function notAFile(stat: Stats): string {
  if (stat.isDirectory()) return 'is a directory';
  if (stat.isFIFO()) return 'is a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'is a device';
  if (stat.isSocket()) return 'is a socket';
  return 'is not a regular file';
}

/**
 * The file's bytes, or null when it holds more than `maxBytes` (a file may grow after fstat,
 * and some, like those under /proc, report size 0: the read itself is bounded).
 */
function readAll(fd: number, sizeHint: number, maxBytes = Infinity): Buffer | null {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(sizeHint - total + 1, 16 * 1024 * 1024)));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) return Buffer.concat(chunks, total);
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) return null;
  }
}

/** Where the first malformed character is, in words: line, column, offset and its bytes. */
function notUtf8(bytes: Uint8Array): string {
  const at = firstInvalidUtf8(bytes);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const shown = [...bytes.subarray(at, at + 4)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
  return `not UTF-8 text: the bytes at line ${line}, column ${at - lineStart + 1} (byte offset ${at}: ${shown}) are not a UTF-8 character; save the file as UTF-8`;
}

/**
 * The offset of the first byte that is not part of a well-formed UTF-8 sequence (Unicode
 * Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF); -1 if there is none.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // The length of the sequence and the range its second byte must fall in.
    let length: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c === undefined || c < min || c > max) return i;
    }
    i += length;
  }
  return -1;
}

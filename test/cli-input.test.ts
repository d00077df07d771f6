/**
 * The command line refuses what it cannot read — a directory, a device, a FIFO, a file that
 * is not UTF-8 — on every command that reads a scenario (and merge, for its files), with
 * exit 2 and a message that names the file and what it is, before reading a byte of it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from '../sim/cli/input-file.ts';
import { main } from '../sim/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-input-'));
const out = (name: string) => join(dir, name);

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Each command that reads a file, with the arguments it needs around that file. */
const COMMANDS: [string, (file: string) => string[]][] = [
  ['run', (f) => ['run', f]],
  ['trace', (f) => ['trace', f, '--out', out('t.jsonl')]],
  ['report', (f) => ['report', f, '--out', out('r.html')]],
  ['diagram', (f) => ['diagram', f, '--out', out('d.svg')]],
  ['compare', (f) => ['compare', f]],
  ['sweep', (f) => ['sweep', f, '--seeds', '1..2', '--workers', '1']],
  ['validate', (f) => ['validate', f]],
  ['merge', (f) => ['merge', f]],
];

/**
 * A valid scenario but for one byte: 0xFF in its description, which no UTF-8 text holds. A
 * decoder would read it as U+FFFD and the run would go ahead.
 */
const NOT_UTF8 = out('latin1.json');
writeFileSync(
  NOT_UTF8,
  Buffer.concat([
    Buffer.from('{"version":1,"title":"t",\n"description":"caf'),
    Buffer.from([0xff]),
    Buffer.from('","durationMs":100,"nodes":[],"workloads":[]}'),
  ]),
);

describe('every command refuses a directory and a file that is not UTF-8 (exit 2)', () => {
  for (const [name, argv] of COMMANDS) {
    it(`${name} on a directory`, async () => {
      const r = await cli(...argv(dir));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${dir}: is a directory, not a file the command can read`);
    });

    it(`${name} on a file that is not UTF-8`, async () => {
      const r = await cli(...argv(NOT_UTF8));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${NOT_UTF8}: not UTF-8 text: the bytes at line 2, column 19 (byte offset 44: 0xff 0x22 0x2c 0x22) are not a UTF-8 character`);
    });
  }
});

/**
 * Devices and FIFOs through the real command, in a child process with a deadline: a command
 * that read /dev/zero would read forever, one that opened a FIFO would wait for a writer.
 */
describe('every command refuses a device and a FIFO (exit 2, at once)', () => {
  const fifo = out('pipe.json');
  execFileSync('mkfifo', [fifo]);
  const real = (args: string[]) => spawnSync(process.execPath, ['sim/cli/launch.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });

  for (const [name, argv] of COMMANDS) {
    it(`${name} on /dev/zero and on a FIFO`, () => {
      const device = real(argv('/dev/zero'));
      expect(device.stderr).toContain('/dev/zero: is a device, not a file the command can read');
      expect(device.status).toBe(2);
      const pipe = real(argv(fifo));
      expect(pipe.stderr).toContain(`${fifo}: is a FIFO (named pipe), not a file the command can read`);
      expect(pipe.status).toBe(2);
    });
  }
});

describe('UTF-8 as Unicode defines it (Table 3-7)', () => {
  const at = (...bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
  it('accepts ASCII and one- to four-byte characters', () => {
    expect(at(...Buffer.from('plain, é, €, 𝄞'))).toBe(-1);
  });
  it('finds stray continuation bytes, overlong forms, surrogates, code points above U+10FFFF and cut sequences', () => {
    expect(at(0x61, 0x80)).toBe(1); // a continuation byte with no lead
    expect(at(0xc0, 0xaf)).toBe(0); // overlong "/"
    expect(at(0xe0, 0x80, 0xaf)).toBe(0); // overlong, three bytes
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // U+D800, a surrogate
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // U+110000
    expect(at(0x61, 0xe2, 0x82)).toBe(1); // "€" cut short
  });
});

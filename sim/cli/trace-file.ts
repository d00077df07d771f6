import { closeSync, openSync, writeSync } from 'node:fs';
import type { TraceHeader, TraceRecord } from '../engine/trace.ts';

/** Writes a JSONL trace: a header line, then one record per line, buffered. */
export class TraceFileWriter {
  private readonly fd: number;
  private buffer: string[] = [];

  constructor(path: string, header: TraceHeader) {
    this.fd = openSync(path, 'w');
    this.buffer.push(JSON.stringify(header));
  }

  readonly write = (record: TraceRecord): void => {
    this.buffer.push(JSON.stringify(record));
    if (this.buffer.length >= 10_000) this.flush();
  };

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
  }
}

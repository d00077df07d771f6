/**
 * What a scenario may say about a versioned data store (versioned-store.ts) and about clients
 * that update one of its keys with optimistic concurrency (occ-client.ts): zod schemas, apart
 * from the behaviour so that the page can validate a scenario without loading the engine.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';

const ms = () => z.number().min(0).max(1e9);

export const StoreSchema = z.strictObject({
  id: KindId,
  kind: z.literal('store'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  readMs: ms().default(0).describe('Time to serve a read.'),
  writeMs: ms().default(0).describe('Time to apply a write (a conditional write that fails a version check takes it too).'),
  requests: z
    .enum(['write', 'read-modify-write'])
    .default('write')
    .describe('What a plain request (a service\'s or workload\'s call) does: write: an unconditional write; read-modify-write: read the key, take modifyMs to compute the change, then write it only if the version is still the one read — a conflict is answered as an error with reason conflict, which the caller\'s retry policy sees.'),
  modifyMs: ms().default(5).describe('Read-modify-write: the time between the read and the conditional write (the caller\'s work and round trip).'),
  replicas: z.int().min(0).max(100).default(0).describe('Asynchronous read replicas: each applies the primary\'s writes in order, replicationLagMs later on average. Clients that read from replicas may read an old version.'),
  replicationLagMs: ms().default(100).describe('Mean replication lag (exponentially distributed, each replica applying writes in order).'),
});

export type StoreSpec = z.output<typeof StoreSchema>;

export const OCC_BACKOFFS = ['none', 'exponential', 'full-jitter', 'equal-jitter', 'decorrelated'] as const;

export const OccClientSchema = z.strictObject({
  id: KindId,
  kind: z.literal('occ-client'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  store: KindId.describe('The store whose key the clients update.'),
  clients: z.int().min(1).max(100_000).default(10).describe('Contenders: each reads the key, then writes it if its version is still the one it read, retrying after a conflict until its write succeeds.'),
  key: z.int().min(0).max(1e9).default(1).describe('The key they all update (one row).'),
  startMs: ms().default(0).describe('When every client starts.'),
  backoff: z.enum(OCC_BACKOFFS).default('full-jitter').describe('The wait after the n-th conflict (n from 0): none; exponential min(cap, base·2ⁿ); full jitter uniform(0, that); equal jitter half of it plus uniform(0, half); decorrelated min(cap, uniform(base, 3 × the previous wait)) — the strategies of Brooker, "Exponential Backoff and Jitter" (AWS Architecture Blog, 2015).'),
  baseMs: z.number().positive().max(1e9).default(5).describe('Backoff base.'),
  capMs: z.number().positive().max(1e9).default(2000).describe('Backoff cap.'),
  readFrom: z.enum(['primary', 'replica']).default('primary').describe('Where the clients read the version: the primary, or a read replica (which may lag, so the conditional write that follows conflicts).'),
});

export type OccClientSpec = z.output<typeof OccClientSchema>;

export function occClientReferences(spec: OccClientSpec): { path: (string | number)[]; id: string; kind: string }[] {
  return [{ path: ['store'], id: spec.store, kind: 'store' }];
}

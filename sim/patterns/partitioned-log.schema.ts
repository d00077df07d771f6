/**
 * What a scenario may say about a partitioned log (partitioned-log.ts, Kafka semantics) and
 * about a service that consumes from one in a consumer group (log-consumer.ts): zod schemas,
 * apart from the behaviour so that the page can validate a scenario without loading the engine.
 *
 * Defaults are Apache Kafka's (3.x clients): session.timeout.ms 45 s, heartbeat.interval.ms
 * 3 s, enable.auto.commit with auto.commit.interval.ms 5 s, max.poll.records 500,
 * fetch.max.wait.ms 500 ms, auto.offset.reset latest, log retention 7 days.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';

const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

export const LogSchema = z.strictObject({
  id: KindId,
  kind: z.literal('log'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  partitions: z.int().min(1).max(10_000).default(1).describe('Partitions; a record goes to hash(key) mod partitions, so one key\'s records stay in order in one partition.'),
  retentionMs: z.number().positive().max(1e12).default(SEVEN_DAYS_MS).describe('Records older than this are deleted, consumed or not (Kafka log.retention: 7 days).'),
  sessionTimeoutMs: z.number().positive().max(1e9).default(45_000).describe('A group member not heard from (no heartbeat) for this long is removed and its partitions reassigned (Kafka session.timeout.ms: 45 s).'),
  rebalanceMs: z.number().min(0).max(1e9).default(3000).describe('How long a rebalance stops the group: every member gives up its partitions and rejoins before the new assignment (eager rebalancing; about one heartbeat interval).'),
});

export type LogSpec = z.output<typeof LogSchema>;

/** A service consuming a partitioned log as a member of a consumer group. */
export const ConsumeLogSchema = z.strictObject({
  from: KindId.describe('The log node to consume.'),
  group: z.string().min(1).max(64).default('group').describe('The consumer group: its members share the partitions, and the group commits offsets.'),
  commit: z.enum(['after', 'before', 'auto']).default('auto').describe('after: commit a batch\'s offsets once it is processed (at-least-once); before: as soon as it is fetched (at-most-once); auto: every autoCommitIntervalMs, at the next poll (Kafka\'s default: at-least-once).'),
  autoCommitIntervalMs: z.number().positive().max(1e9).default(5000).describe('With commit "auto": how often offsets are committed (Kafka auto.commit.interval.ms: 5 s).'),
  maxPollRecords: z.int().min(1).max(100_000).default(500).describe('Records a poll returns at most (Kafka max.poll.records: 500).'),
  fetchWaitMs: z.number().min(0).max(60_000).default(500).describe('A fetch with nothing new waits this long for records (Kafka fetch.max.wait.ms: 500 ms).'),
  heartbeatIntervalMs: z.number().positive().max(1e9).default(3000).describe('How often the member tells the group coordinator it is alive (Kafka heartbeat.interval.ms: 3 s).'),
  leaveAtMs: z.number().min(0).max(1e12).nullable().default(null).describe('The member leaves the group gracefully at this time (a scale-in or a deploy: Kafka\'s close() sends LeaveGroup): it finishes its batch, commits (unless it commits before processing) and leaves, and the group rebalances at once instead of after the session timeout. null: it stays.'),
  claimsExactlyOnce: z.boolean().default(false).describe('The design claims each record is processed exactly once by the group: a record processed twice is then a violation, not just a count.'),
  autoOffsetReset: z.enum(['earliest', 'latest']).default('latest').describe('Where a group with no committed offset starts: the oldest record, or only records after it joins (Kafka\'s default, latest).'),
});

export type ConsumeLogSpec = z.output<typeof ConsumeLogSchema>;

/** What counts as schema code, for test/schema-imports.test.ts and test/bundle-size.test.ts. */

/**
 * Modules the validator may import besides `*.schema.ts` files, each with why: they hold
 * scenario vocabulary, not behaviour. The first-load guard in test/bundle-size.test.ts uses
 * the same list.
 */
export const SCHEMA_VOCABULARY: Record<string, string> = {
  'sim/scenario/schema.ts': 'the scenario format itself',
  'sim/scenario/load.ts': 'text → validated scenario, variants and --set',
  'sim/scenario/charts.ts': 'the declared charts format',
  'sim/scenario/groups.ts': 'node groups: id patterns and their expansion',
  'sim/patterns/policy-schemas.ts': "the union of the policies' schemas",
  'sim/patterns/node-kind-schemas.ts': "the node kinds' schemas",
  'sim/nodes/call.ts': 'the names of call outcomes that retryOn and recordOutcomes list (types and constants)',
  'sim/scenario/text.ts': 'canonical JSON and the closest name: plain helpers the loader shares with the engine',
  'sim/scenario/chart-names.ts': "the metric names a scenario's charts use",
  'sim/scenario/intervention.ts': 'an intervention validated and normalised like a timeline fault (the page does it before a run)',
};

/** A pattern's `<pattern>.defaults.ts`: its defaults and effective parameters, shared by its schema and its behaviour (no zod, no behaviour). */
export function isSchemaModule(path: string): boolean {
  return path.endsWith('.schema.ts') || path.endsWith('.defaults.ts') || path in SCHEMA_VOCABULARY;
}

// Lint: the usual TypeScript checks everywhere, plus the rule that keeps the engine
// deterministic — nothing inside sim/ may read ambient time or randomness, or let
// asynchronous scheduling decide the order of anything (DESIGN principle 1).
import tseslint from 'typescript-eslint';

const ambient = 'breaks seed-for-seed replay: use the simulation clock and its seeded random streams';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['sim/**/*.ts'],
    // The command line is the Node-side shell around the engine; it may touch files and clocks.
    ignores: ['sim/cli.ts', 'sim/cli/**'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'Date', message: ambient },
        { name: 'performance', message: ambient },
        { name: 'setTimeout', message: ambient },
        { name: 'setInterval', message: ambient },
        { name: 'setImmediate', message: ambient },
        { name: 'queueMicrotask', message: ambient },
        { name: 'crypto', message: ambient },
        { name: 'Promise', message: ambient },
        { name: 'fetch', message: 'the engine does no I/O' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: ambient },
        { object: 'globalThis', property: 'Date', message: ambient },
        { object: 'globalThis', property: 'performance', message: ambient },
      ],
      'no-restricted-syntax': ['error',
        { selector: ':function[async=true]', message: `async functions ${ambient}` },
        { selector: 'AwaitExpression', message: `await ${ambient}` },
      ],
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'worker_threads', 'child_process'], message: 'sim/ runs unchanged in a browser Worker: no Node modules' },
          { group: ['react', 'react-dom', 'd3', 'd3-selection', '../ui/*', '../../ui/*'], message: 'sim/ never depends on the UI' },
        ],
      }],
    },
  },
);

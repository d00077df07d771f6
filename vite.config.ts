// Vite builds the browser sandbox (index.html → ui/main.tsx, the engine in a module Worker);
// vitest reads its settings from the `test` block below.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // No React plugin: oxc compiles TSX with React's automatic runtime (tsconfig says react-jsx).
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'react' },
  },
  worker: {
    format: 'es',
  },
  // The dev server's dependency scan starts at index.html and misses what only the worker
  // imports; naming seedrandom (CommonJS) here saves a re-bundle and page reload on first run.
  optimizeDeps: {
    include: ['seedrandom'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The budget that matters is gzip on first load (≤ 300 KB, measured in the e2e notes):
    // the page chunk is ~650 KB raw, ~190 KB gzip. Warn only well above that.
    chunkSizeWarningLimit: 900,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});

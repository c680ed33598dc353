import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The workspace packages (the SDK, the demo) are read from their TypeScript sources, as tsc and `npm run demo` do.
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'], externalConditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/announce-skips.ts'],
  },
});

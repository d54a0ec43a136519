import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests run against the sources; whole-system tests in test/ spawn the built services.
    alias: {
      '@volley/spec': src('./packages/spec/src/index.ts'),
      '@volley/sim': src('./packages/sim/src/index.ts'),
      '@volley/client': src('./packages/client/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

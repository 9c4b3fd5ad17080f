import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    // Fixed fast-check seed under CI, random locally (see the file).
    setupFiles: ['src/test/fast-check-setup.ts'],
  },
});

import { defineConfig } from '@playwright/test';

// Browser-mode specs drive the real UI served by `node out/main/cli.js serve` in the system Chromium
// (`npx playwright install` needs a network this machine does not have). Build first: `npm run build`.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Tests are independent (own server, own database), so they spread over both workers.
  fullyParallel: true,
  // Each test starts its own server and database; two cores cannot usefully run more than two.
  workers: 2,
  retries: 0,
  reporter: 'list',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  outputDir: 'test-results',
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    actionTimeout: 15_000,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Root user and a closed network: no sandbox, and no background traffic that would only time out.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});

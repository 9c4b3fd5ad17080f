import path from 'node:path';
import { test as base, expect } from '@playwright/test';
import { BallastApp } from './pages/BallastApp';
import { PageProblems, makeTempDir, removeDir, startServer, type BallastServer } from './support';

interface Fixtures {
  /** A fresh directory per test, holding that test's database. */
  workDir: string;
  server: BallastServer;
  problems: PageProblems;
  /** The UI opened at the server's URL, app.info loaded. */
  app: BallastApp;
}

export const test = base.extend<Fixtures>({
  // Playwright's fixture signature requires the destructuring pattern even when unused.
  // eslint-disable-next-line no-empty-pattern
  workDir: async ({}, use, testInfo) => {
    const dir = makeTempDir(`w${testInfo.workerIndex}`);
    await use(dir);
    // Keep the evidence when a test fails; clean up otherwise.
    if (testInfo.status === testInfo.expectedStatus) removeDir(dir);
    else await testInfo.attach('work-dir', { body: dir, contentType: 'text/plain' });
  },

  server: async ({ workDir }, use, testInfo) => {
    const server = await startServer(path.join(workDir, 'ballast.db'));
    try {
      await use(server);
    } finally {
      await server.stop();
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('server-output', { body: server.output(), contentType: 'text/plain' });
      }
    }
  },

  // eslint-disable-next-line no-empty-pattern
  problems: async ({}, use) => {
    await use(new PageProblems());
  },

  app: async ({ page, server, problems }, use) => {
    problems.attach(page, { watchHttp: true });
    await page.goto(server.url);
    const app = new BallastApp(page);
    await app.ready();
    await use(app);
    const found = await problems.unexpected();
    // Close before the server goes away, so the event stream's reconnect attempts are not logged as errors.
    await page.close();
    expect(found, 'console errors, page errors or unexpected API failures').toEqual([]);
  },
});

export { expect };

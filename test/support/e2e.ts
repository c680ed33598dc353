import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { launchChromium } from './chromium.js';
import { startLiveServer } from './live-server.js';
import { chromiumInstalled, inCi } from './services.js';

export interface ChromiumSuite {
  browser: Browser;
  server: Awaited<ReturnType<typeof startLiveServer>>;
}

/**
 * A describe block with one live server and one headless Chromium for its tests; skipped with
 * the start-up notice when Chromium is missing, except under CI.
 */
export function describeInChromium(
  name: string,
  body: (suite: ChromiumSuite) => void,
  overrides: Parameters<typeof startLiveServer>[0] = {},
): void {
  describe.skipIf(!chromiumInstalled() && !inCi)(name, () => {
    const suite = {} as ChromiumSuite;
    beforeAll(async () => {
      suite.server = await startLiveServer(overrides);
      suite.browser = await launchChromium();
    });
    afterAll(async () => {
      await suite.browser?.close();
      await suite.server?.close();
    });
    body(suite);
  });
}

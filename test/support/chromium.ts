import { type Browser, chromium } from 'playwright-core';
import { chromiumPath } from './services.js';

/** Debian's Chromium, headless, with the flags this sandboxed machine needs (no network chatter). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

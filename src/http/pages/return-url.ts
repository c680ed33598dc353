import type { TesseraConfig } from '../../config.js';
import { TesseraError } from '../../core/errors.js';

/**
 * Where the hosted step-up page may send the browser: one of Tessera's own pages (a path), or
 * an address under a prefix in `stepUp.returnUrls`. Anything else is refused, so the page is
 * never an open redirect that hands a grant to a stranger.
 */
export function allowedReturnUrl(config: TesseraConfig, value: string): URL {
  const own = new URL(config.server.publicUrl);
  let url: URL | undefined;
  try {
    url = value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? new URL(value, own) : new URL(value);
  } catch {
    url = undefined;
  }
  const allowed =
    url !== undefined &&
    (url.origin === own.origin || config.stepUp.returnUrls.some((prefix) => url.href.startsWith(new URL(prefix).href)));
  if (!url || !allowed) {
    throw new TesseraError('ERR_RETURN_URL', 'This page was opened with a return address that is not allowed.');
  }
  return url;
}

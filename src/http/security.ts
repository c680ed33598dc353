import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { servedOverHttps, type TesseraConfig } from '../config.js';
import { TesseraError } from '../core/errors.js';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Security headers with a Content-Security-Policy that allows no inline script or style, and a
 * cross-site request guard for every state-changing request: browsers name the requesting
 * site in `Sec-Fetch-Site` and `Origin`, and anything but our own origin is refused before a
 * route runs. This does not rely on SameSite cookies alone.
 */
export async function registerBrowserProtections(app: FastifyInstance, config: TesseraConfig): Promise<void> {
  const ownOrigin = new URL(config.server.publicUrl).origin;
  const logoOrigin = config.branding.logoUrl ? [new URL(config.branding.logoUrl).origin] : [];
  // Browsers apply form-action to the redirects after a submission too: approving a step-up ends at the app.
  const returnOrigins = [...new Set(config.stepUp.returnUrls.map((url) => new URL(url).origin))];

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...logoOrigin],
        connectSrc: ["'self'"],
        formAction: ["'self'", ...returnOrigins],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(servedOverHttps(config) ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: servedOverHttps(config) ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });

  app.addHook('onRequest', async (request) => {
    if (!unsafeMethods.has(request.method)) return;
    const fetchSite = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    if ((fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') || (origin && origin !== ownOrigin)) {
      throw new TesseraError('ERR_CSRF', 'This request came from another site and was refused.');
    }
  });
}

import { randomBytes } from 'node:crypto';
import { createDemoApp } from '@tessera/demo';
import { HttpBrowser } from './http-browser.js';
import { freePort, startLiveServer } from './live-server.js';

/** Tessera and Kestrel, the demo app, live on loopback: Tessera on localhost, Kestrel on 127.0.0.1, so no cookie is shared. */
export async function startDemo() {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const clientSecret = randomBytes(24).toString('hex');
  const hostKey = { id: 'kestrel', secret: randomBytes(24).toString('hex') };
  const signingSecret = randomBytes(24).toString('hex');
  const tessera = await startLiveServer({
    oidc: { clients: [{ clientId: 'kestrel', clientSecret, redirectUris: [`${appUrl}/auth/callback`] }] },
    stepUp: { returnUrls: [`${appUrl}/`] },
    hostApi: { keys: [hostKey] },
    prompt: { apps: [{ id: 'kestrel', signingSecret, returnUrls: [`${appUrl}/classic/`] }] },
  });
  const kestrel = await createDemoApp({
    appUrl,
    tessera: {
      url: tessera.url,
      clientId: 'kestrel',
      clientSecret,
      hostApiKey: `${hostKey.id}.${hostKey.secret}`,
      allowHttp: true,
    },
    classic: { appId: 'kestrel', signingSecret, apiKey: `${hostKey.id}.${hostKey.secret}` },
  });
  await kestrel.listen({ host: '127.0.0.1', port });
  return {
    tessera,
    appUrl,
    close: async () => {
      await kestrel.close();
      await tessera.close();
    },
  };
}

/** One person's browser across both sites: a cookie jar per origin, redirects followed from one to the other. */
export class TwoSiteBrowser {
  readonly sites: Map<string, HttpBrowser>;
  constructor(...origins: string[]) {
    this.sites = new Map(origins.map((origin) => [origin, new HttpBrowser(origin)]));
  }

  site(origin: string): HttpBrowser {
    return this.sites.get(new URL(origin).origin)!;
  }

  /** Follows redirects from `url` across the sites; answers where it stopped, and the page there. */
  async follow(url: string | URL, init: Parameters<HttpBrowser['fetch']>[1] = {}) {
    const start = new URL(url);
    let from = start.origin;
    let { response, url: at } = await this.site(from).follow(start.href, init);
    // A site's browser stops where a redirect (or a Refresh) leads to another origin: the other site's browser goes on.
    while (at.origin !== from && this.sites.has(at.origin)) {
      from = at.origin;
      ({ response, url: at } = await this.site(from).follow(at.href));
    }
    return { response, url: at, html: await response.text() };
  }

  /** Submits a form of the page at `url` on its site, then follows where it leads across the sites. */
  async submit(url: URL, fields: Record<string, string>, action = url.pathname) {
    const { response, url: at } = await this.site(url.origin).submit(url.pathname + url.search, fields, action);
    return at.origin === url.origin ? { response, url: at, html: await response.text() } : this.follow(at);
  }
}

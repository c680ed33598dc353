import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** Who signs in at the provider next, and how the provider says it checked them. */
export interface NextLogin {
  accountId: string;
  amr: string[];
}

/**
 * A real OpenID Connect provider (oidc-provider) on a loopback port, for the SSO tests. Its
 * login step signs in `next` without a form, so a test drives the whole code flow over HTTP.
 */
export class IdentityProvider {
  readonly accounts = new Map<string, { email?: string; email_verified?: boolean }>();
  next: NextLogin = { accountId: '', amr: ['pwd'] };
  readonly clientId = 'tessera';
  readonly clientSecret = 'tessera-client-secret-for-tests';

  private constructor(
    readonly issuer: string,
    private readonly server: Server,
  ) {}

  static async start(redirectUri: string): Promise<IdentityProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const idp = new IdentityProvider(issuer, server);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const provider = new Provider(issuer, {
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
      clients: [
        {
          client_id: idp.clientId,
          client_secret: idp.clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      claims: { acr: null, auth_time: null, sid: null, openid: ['sub', 'amr'], email: ['email', 'email_verified'] },
      cookies: { keys: ['identity-provider-test-cookie-key'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: async (_ctx, id) => {
        const claims = idp.accounts.get(id);
        return claims && { accountId: id, claims: async () => ({ sub: id, ...claims }) };
      },
    });
    provider.use(async (ctx, next) => {
      if (!/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const { accountId, amr } = idp.next;
      const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      const result = { login: { accountId, amr }, consent: { grantId } };
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
    });
    server.on('request', provider.callback());
    return idp;
  }

  /**
   * Follows the browser's redirects through the provider from `url`, keeping the provider's
   * cookies, until it is sent back elsewhere; that address (Tessera's callback) is returned.
   */
  async signIn(url: string): Promise<URL> {
    const jar = new Map<string, string>();
    let next = new URL(url);
    while (next.origin === this.issuer) {
      const response = await fetch(next, {
        redirect: 'manual',
        headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';');
        const separator = pair.indexOf('=');
        jar.set(pair.slice(0, separator), pair.slice(separator + 1));
      }
      const location = response.headers.get('location');
      if (!location)
        throw new Error(`the identity provider answered ${response.status} at ${next.pathname}: ${await response.text()}`);
      next = new URL(location, next);
    }
    return next;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

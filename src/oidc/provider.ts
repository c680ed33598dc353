import Provider, { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { servedOverHttps, type TesseraConfig } from '../config.js';
import type { CoreDeps } from '../core/deps.js';
import type { Session, User } from '../core/ports.js';
import { acrFor, acrValues } from './assurance.js';
import { type FormPostPage, formPostResponse } from './form-post.js';
import { interactionPath, oidcMount } from './paths.js';
import { oidcSigningKeys } from './signing-keys.js';
import { storeAdapter } from './store-adapter.js';

/** Tessera's pages for what the provider shows the browser itself. */
export interface ProviderPages {
  /** A refusal: an unknown client, a bad redirect URI. */
  error(title: string, message: string): string;
  /** The page that posts the response to the app, for `response_mode=form_post`. */
  formPost: FormPostPage;
}

/** The Tessera session of the browser behind a provider request, from its cookies. */
export type TesseraSessionOf = (cookieHeader: string | undefined) => Promise<{ user: User; session: Session } | undefined>;

/**
 * oidc-provider's default policy, with two more reasons to send the browser to Tessera's
 * interaction page instead of answering from the provider's own session: the Tessera session
 * ended or is someone else's (signing out of Tessera signs out of every app's next request), or
 * it does not meet the `acr_values` asked for, which oidc-provider otherwise treats as voluntary.
 * `max_age` is the default policy's, measured from Tessera's own sign-in time.
 */
function policyFor(tesseraSession: TesseraSessionOf) {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  const current = (ctx: KoaContextWithOIDC) => tesseraSession(ctx.get('cookie') || undefined);
  login.checks.add(
    new interactionPolicy.Check('tessera_session', 'End-User is not signed in to Tessera as this account', async (ctx) => {
      const signedIn = await current(ctx);
      return !signedIn || signedIn.user.id !== ctx.oidc.session?.accountId
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  login.checks.add(
    new interactionPolicy.Check('acr_values', 'The requested authentication level is not met', async (ctx) => {
      const signedIn = await current(ctx);
      const requested = ctx.oidc.params?.acr_values as string | undefined;
      return requested && (!signedIn || acrFor(signedIn.session, requested) === undefined)
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}

/**
 * Tessera as an OpenID Connect provider, on oidc-provider: the authorization code flow with
 * PKCE required, for the configured clients; its records in Tessera's store; ID tokens signed
 * RS256 with keys sealed under the server keys; its cookies signed with keys derived from them.
 */
export async function createOidcProvider(
  config: TesseraConfig,
  deps: CoreDeps,
  tesseraSession: TesseraSessionOf,
  pages: ProviderPages,
): Promise<Provider> {
  const issuer = new URL(oidcMount, config.server.publicUrl).href;
  const secure = servedOverHttps(config);
  const configuration: Configuration = {
    adapter: storeAdapter(deps.store.oidcPayloads, () => deps.clock.now(), deps.secretBox),
    clients: config.oidc.clients.map((client) => ({
      client_id: client.clientId,
      ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.clientSecret ? 'client_secret_basic' : 'none',
    })),
    jwks: {
      keys: await oidcSigningKeys({
        keys: deps.store.signingKeys,
        secretBox: deps.secretBox,
        random: deps.random,
        now: () => deps.clock.now(),
      }),
    },
    cookies: {
      keys: deps.keyedHash.candidates('oidc-provider cookies'),
      long: { signed: true, secure, sameSite: 'lax' },
      short: { signed: true, secure, sameSite: 'lax' },
    },
    pkce: { required: () => true },
    // Codes are exchanged at once; tokens last an hour; the provider's sessions and grants end with Tessera's longest session.
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: config.sessions.absoluteTimeoutHours * 3600,
      Grant: config.sessions.absoluteTimeoutHours * 3600,
    },
    responseTypes: ['code'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid), policy: policyFor(tesseraSession) },
    acrValues: Object.values(acrValues),
    // The ID token itself says who signed in, how and when, so an app needs no userinfo call for it.
    claims: { sid: null, openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    // Refusals a browser sees (an unknown client, a bad redirect URI) look like Tessera's other error pages.
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = pages.error('This sign-in cannot go on', `${out.error}: ${out.error_description ?? 'the request was refused'}`);
    },
    findAccount: async (_ctx, sub) => {
      const user = await deps.store.users.findById(sub);
      return (
        user && {
          accountId: sub,
          claims: async () => ({ sub, email: user.email, email_verified: user.emailVerifiedAt !== null }),
        }
      );
    },
  };
  const formPost = formPostResponse(pages.formPost);
  // oidc-provider has no setting for its form_post page, and registers its response modes, first come first kept, while it is constructed.
  class TesseraProvider extends Provider {
    override registerResponseMode(name: string, handler: Parameters<Provider['registerResponseMode']>[1]): void {
      super.registerResponseMode(name, name === 'form_post' ? formPost : handler);
    }
  }
  const provider = new TesseraProvider(issuer, configuration);
  provider.proxy = config.server.trustedProxies.length > 0;
  return provider;
}

import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { tesseraAddress } from './address.js';
import { detailsHash, TesseraRefused } from './tessera.js';

/** An app that keeps its own login and adds Tessera's second step with the MFA-only prompt. */
export interface PromptClientOptions {
  /** Tessera's `server.publicUrl`. */
  url: string;
  /** The app's id in Tessera's `prompt.apps`. */
  appId: string;
  /** The app's `signingSecret` there, which signs its prompt requests. */
  signingSecret: string;
  /** An API key (`id.secret`) with the scopes `people`, `prompt` and (for links) `sign_in_links`. */
  apiKey: string;
  /** Allows an `http:` Tessera URL, for development on loopback only. Default: false. */
  allowHttp?: boolean;
}

/** What the signed result of a prompt says, once verified. */
export interface PromptResult {
  /** The app's own id of the person. */
  sub: string;
  /** Tessera's id of the person. */
  tsub: string;
  /** The `jti` of the request it answers. */
  req: string;
  act: string | null;
  dh: string | null;
  amr: string[];
  acr: string;
  auth_time: number;
}

/**
 * The app's side of the MFA-only prompt: registering people by the app's own id, the signed
 * request that sends the browser to `/prompt`, the server-to-server exchange of the code it
 * comes back with (the result verified against Tessera's keys and checked against what was
 * asked), and sign-in links for the app's own emails.
 */
export function createPromptClient(options: PromptClientOptions) {
  const { base, grantKeys: resultKeys } = tesseraAddress(options.url, options.allowHttp);
  const secret = new TextEncoder().encode(options.signingSecret);

  async function call<T>(method: string, path: string, body: unknown): Promise<T> {
    const response = await fetch(`${base}/api/v1/host${path}`, {
      method,
      headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
    if (!response.ok) throw new TesseraRefused(answer.error?.message ?? `Tessera answered ${response.status}.`);
    return answer;
  }

  return {
    /** Creates or updates the person at Tessera under the app's own id. */
    upsertPerson: (
      externalId: string,
      person: { email: string; emailVerified?: boolean; verifiedPhone?: string },
    ): Promise<{ id: string; methods: string[]; recoveryCodes: string[] | null }> =>
      call('PUT', `/people/${encodeURIComponent(externalId)}`, person),

    /** A single-use sign-in link for the person, for the app to put in its own email. */
    signInLink: (externalId: string): Promise<{ url: string; expiresAt: number }> =>
      call('POST', `/people/${encodeURIComponent(externalId)}/sign-in-links`, {}),

    /**
     * Where to send the browser: `/prompt` with a request signed for five minutes, for a sign-in
     * or for an `action` with its `details`. Keep `requestId` (and `state`) to check the result.
     */
    async promptUrl(request: { userId: string; returnTo: string; action?: string; details?: string; state?: string }) {
      const requestId = randomBytes(16).toString('base64url');
      const token = await new SignJWT({
        return_to: request.returnTo,
        ...(request.action ? { act: request.action } : {}),
        ...(request.details ? { details: request.details } : {}),
        ...(request.state ? { state: request.state } : {}),
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'tessera-prompt+jwt' })
        .setIssuer(options.appId)
        .setAudience(`${base}/prompt`)
        .setSubject(request.userId)
        .setJti(requestId)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret);
      return { url: `${base}/prompt?request=${encodeURIComponent(token)}`, requestId };
    },

    /**
     * Exchanges the code the browser came back with (once), verifies the signed result, and
     * checks it answers this request, for this person, and for exactly this action and details.
     */
    async exchange(
      code: string,
      expected: { userId: string; requestId: string; action?: string; details?: string },
    ): Promise<PromptResult> {
      const { result } = await call<{ result: string }>('POST', '/prompt/exchange', { code });
      const { payload } = await jwtVerify(result, resultKeys, {
        issuer: base,
        audience: options.appId,
        typ: 'tessera-prompt-result+jwt',
        algorithms: ['EdDSA'],
      }).catch(() => Promise.reject(new TesseraRefused('The prompt’s result is not valid: it was altered or has expired.')));
      const claims = payload as unknown as PromptResult;
      const boundTo = expected.details === undefined ? null : detailsHash(expected.details);
      if (
        claims.sub !== expected.userId ||
        claims.req !== expected.requestId ||
        claims.act !== (expected.action ?? null) ||
        claims.dh !== boundTo
      ) {
        throw new TesseraRefused('The prompt’s result answers another request.');
      }
      return claims;
    },
  };
}

export type PromptClient = ReturnType<typeof createPromptClient>;

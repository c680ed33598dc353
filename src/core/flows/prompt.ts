import { decodeJwt, jwtVerify } from 'jose';
import type { PromptApp } from '../../config.js';
import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Prompt, PromptOutcome, PromptResultClaims, Session } from '../ports.js';
import { hostPersonAccount } from './host-people.js';
import { actionPolicy } from './step-up.js';

/** The `typ` an app's signed prompt request carries. */
export const promptRequestType = 'tessera-prompt+jwt';

const invalid = (message: string) => new TesseraError('ERR_PROMPT_INVALID', message);

/** Where the app's signed requests are addressed (`aud`). */
export const promptAudience = (publicUrl: string) => new URL('/prompt', publicUrl).href;

/** What an app asks of the prompt, from its signed request once checked. */
export interface PromptRequest {
  app: PromptApp;
  jti: string;
  exp: number;
  externalId: string;
  action: string | null;
  details: string | null;
  returnTo: URL;
  state: string | null;
}

/**
 * The app's signed request (HS256 with its `signingSecret`, `typ` `tessera-prompt+jwt`), checked:
 * a known app, addressed to this Tessera, recent, its return address under one of the app's
 * `returnUrls`, and an action (if any) that is configured. Anything else is refused, changing nothing.
 */
export async function openPromptRequest(deps: CoreDeps, token: string): Promise<PromptRequest> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    throw invalid('The app’s request could not be read.');
  }
  const app = deps.settings.prompt.apps.find((candidate) => candidate.id === issuer);
  if (!app) throw invalid('The request names no app registered here.');
  const { payload } = await jwtVerify(token, new TextEncoder().encode(app.signingSecret), {
    algorithms: ['HS256'],
    typ: promptRequestType,
    issuer: app.id,
    audience: promptAudience(deps.settings.server.publicUrl),
    maxTokenAge: deps.settings.prompt.requestMaxAgeSeconds,
    currentDate: new Date(deps.clock.now()),
    requiredClaims: ['sub', 'jti', 'iat', 'exp', 'return_to'],
  }).catch(() =>
    Promise.reject(invalid('The app’s request is not valid: it was altered, has expired, or was not signed by the app.')),
  );
  const text = (value: unknown, max: number) =>
    typeof value === 'string' && value.trim() && value.length <= max ? value.trim() : null;
  const returnTo = text(payload.return_to, 2048);
  const url = returnTo && URL.canParse(returnTo) ? new URL(returnTo) : undefined;
  if (!url || !app.returnUrls.some((prefix) => url.href.startsWith(new URL(prefix).href))) {
    throw invalid('The request’s return address is not one the app registered.');
  }
  const action = text(payload.act, 100);
  if (action) actionPolicy(deps, action);
  return {
    app,
    jti: payload.jti!,
    exp: payload.exp!,
    externalId: payload.sub!,
    action,
    details: action ? text(payload.details, 200) : null,
    returnTo: url,
    state: text(payload.state, 512),
  };
}

/**
 * Starts a prompt from the app's signed request, which is spent here: the same request opens one
 * prompt only. The browser holds the returned token in its prompt cookie.
 */
export async function startPrompt(deps: CoreDeps, token: string): Promise<{ prompt: Prompt; browserToken: string }> {
  const request = await openPromptRequest(deps, token);
  const user = await hostPersonAccount(deps, request.externalId).catch(() => {
    throw invalid('The app has not registered this person with Tessera.');
  });
  const now = deps.clock.now();
  if (!(await deps.store.grants.consume(`prompt:${request.app.id}:${request.jti}`, now, request.exp * 1000))) {
    throw invalid('This request was used already: go back to the app and start again.');
  }
  const browserToken = deps.random.bytes(32).toString('base64url');
  const prompt: Prompt = {
    id: newId(deps.random),
    tokenHash: deps.keyedHash.hash(`prompt:${browserToken}`),
    appId: request.app.id,
    userId: user.id,
    externalId: request.externalId,
    requestId: request.jti,
    action: request.action,
    details: request.details,
    returnTo: request.returnTo.href,
    state: request.state,
    createdAt: now,
    expiresAt: now + deps.settings.prompt.lifetimeMinutes * 60_000,
    outcome: null,
  };
  await deps.store.prompts.create(prompt);
  return { prompt, browserToken };
}

/**
 * Whether a session is an MFA-only prompt's own, made by the app's login alone: the app's
 * sign-in (`amr` `host`) with no second factor of Tessera's in it — the first step of an action
 * before its step-up, a person with no method yet before setting one up, or a sign-in that a
 * trusted device or adaptive sign-in let through, about to end. It is no sign-in to Tessera:
 * it reaches only the prompt and the step-up the prompt sends it to (see `authentication` in
 * src/http/authentication.ts), never the account, the console or the OpenID Connect provider.
 */
export const promptOnlySession = (session: Pick<Session, 'amr' | 'mfaAt'>): boolean =>
  session.amr.includes('host') && session.mfaAt === null;

/** The open prompt behind a browser's prompt cookie. */
export async function openPrompt(deps: CoreDeps, browserToken: string | undefined): Promise<Prompt> {
  const prompt =
    browserToken && (await deps.store.prompts.findOpen(deps.keyedHash.candidates(`prompt:${browserToken}`), deps.clock.now()));
  if (!prompt) throw invalid('This prompt has expired or is finished: go back to the app and start again.');
  return prompt;
}

/** Records how the person got through, once, and gives the address that takes the browser back to the app with a one-time code. */
export async function completePrompt(deps: CoreDeps, prompt: Prompt, outcome: PromptOutcome): Promise<string> {
  const code = deps.random.bytes(32).toString('base64url');
  const codeExpiresAt = deps.clock.now() + deps.settings.prompt.codeLifetimeSeconds * 1000;
  if (!(await deps.store.prompts.complete(prompt.id, outcome, deps.keyedHash.hash(`prompt-code:${code}`), codeExpiresAt))) {
    throw invalid('This prompt is finished already: go back to the app.');
  }
  const back = new URL(prompt.returnTo);
  back.searchParams.set('code', code);
  if (prompt.state) back.searchParams.set('state', prompt.state);
  return back.href;
}

/**
 * The app's server exchanges the code for the signed result (EdDSA, `typ`
 * `tessera-prompt-result+jwt`, keys at /.well-known/jwks.json), once, also under parallel calls.
 */
export async function exchangePromptCode(deps: CoreDeps, code: string): Promise<{ result: string; claims: PromptResultClaims }> {
  const now = deps.clock.now();
  const prompt = await deps.store.prompts.exchange(deps.keyedHash.candidates(`prompt-code:${code}`), now);
  if (!prompt?.outcome)
    throw new TesseraError(
      'ERR_PROMPT_CODE_INVALID',
      'This code is not valid: it was used already, has expired, or was never issued.',
    );
  const iat = Math.floor(now / 1000);
  const claims: PromptResultClaims = {
    sub: prompt.externalId,
    tsub: prompt.userId,
    aud: prompt.appId,
    req: prompt.requestId,
    act: prompt.action,
    dh: prompt.outcome.detailsHash,
    amr: prompt.outcome.amr,
    acr: prompt.outcome.acr,
    auth_time: Math.floor(prompt.outcome.authTime / 1000),
    jti: newId(deps.random),
    iat,
    exp: iat + deps.settings.prompt.resultLifetimeSeconds,
  };
  return { result: await deps.grants.signPromptResult(claims), claims };
}

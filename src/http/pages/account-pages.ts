import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { changePassword } from '../../core/flows/change-password.js';
import { sendActionCode } from '../../core/flows/protected-action.js';
import { codeTargetsOf } from '../../core/flows/sign-in-codes.js';
import { mfaRequirementOf } from '../../core/flows/mfa-policy.js';
import { securityOverview } from '../../core/flows/manage-factors.js';
import { listSessions, recentActivity, signOut } from '../../core/flows/session.js';
import { listTrustedDevices } from '../../core/flows/trusted-devices.js';
import { signInWithPassword } from '../../core/flows/sign-in.js';
import { signUp } from '../../core/flows/sign-up.js';
import type { AfterFirstFactor } from '../../core/flows/after-first-factor.js';
import { credentials, password, webauthnAssertion } from '../api/schemas.js';
import { signInWithPasskey } from '../../core/flows/passkey-sign-in.js';
import { requireSignedInPage, afterSignInPath } from '../authentication.js';
import { clearCookie, readCookie } from '../cookies.js';
import { applyFirstFactorOutcome, clientOf, originOf } from '../sign-in-response.js';
import { accountView, enrollmentView, signInView, signOutView, signUpView } from './account-views.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';
import { actionProofFromForm, parseKeyAnswer, proofFields } from './proof-field.js';

/** "Email me a code" beside a protected change: `action|factorId:channel`. */
const actionCodeForm = z.object({ codeFor: z.string().regex(/^[a-z_.]{1,100}\|[^|:]{1,64}:(email|sms|voice)$/) });
type CodeChannel = 'email' | 'sms' | 'voice';

const passwordChange = z.object({
  currentPassword: password,
  newPassword: password,
  ...proofFields,
  endOtherSessions: z.literal('on').optional(),
});

/** After these changes the page offers to sign out every other session, in case one is not the person's. */
const factorChanges = new Set([
  'mfa-on',
  'app-added',
  'key-added',
  'biometric-added',
  'email-on',
  'phone-added',
  'factor-removed',
  'primary',
]);

const passkeyForm = z.object({ credential: z.string().min(1, 'is required').max(48_000) });

const notices: Record<string, string> = {
  password: 'Your password was changed.',
  'factor-removed': 'The sign-in method was removed.',
  'key-added': 'The security key was added.',
  'app-added': 'The authenticator app was added.',
  'mfa-on': 'Two-step verification is on.',
  'mfa-later': 'Two-step verification will be set up at your next sign-in.',
  'setup-code-sent': 'We emailed you a code. Enter it with your password.',
  'setup-unlocked': 'Thank you. Now set up a method.',
  'biometric-added': 'You can now confirm sign-ins with your fingerprint or face on this device.',
  renamed: 'The name was saved.',
  primary: 'We will ask for that method first when you sign in.',
  'device-revoked': 'That device will be asked for a second factor at its next sign-in.',
  'devices-revoked': 'No device is trusted any more; each will be asked for a second factor.',
  'session-ended': 'That session was signed out.',
  'sessions-ended': 'Every other session was signed out.',
  'mfa-off': 'Two-step verification is off. You can turn it on again at any time.',
  'email-on': 'Email codes are on.',
  'verification-sent': 'We sent you a new link. Open it to confirm your address.',
  'phone-added': 'The phone number was added.',
  'email-change-sent': 'We sent a link to your new address. Your address changes when you open it.',
};

/** A code sent for one protected change on the page, which that change's form then carries. */
export interface ActionCodeSent {
  action: string;
  stepUpId: string;
  sentTo: string;
}

/** Renders the account page, with the error of a form on it if there was one, or a code just sent. */
export type AccountRenderer = (
  request: FastifyRequest,
  reply: FastifyReply,
  error?: { status: number; message: string },
  actionCode?: ActionCodeSent,
) => Promise<FastifyReply>;

/** Sign-up, sign-in, sign-out and the account security page. */
export function accountPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const { passkeys } = config.webauthn;
  const magicLinks = config.magicLinks.enabled;
  const afterFirstFactor = (request: FastifyRequest, reply: FastifyReply, outcome: AfterFirstFactor) => {
    applyFirstFactorOutcome(config, reply, outcome);
    return reply.redirect(outcome.kind === 'signed_in' ? afterSignInPath(config, request, reply) : '/sign-in/verify', 303);
  };

  /** The account page, with an optional error from a form on it. */
  const renderAccount: AccountRenderer = async (request, reply, error, actionCode) => {
    const { user, session } = request.auth!;
    const [overview, sessions, devices, activity, codeTargets, requirement] = await Promise.all([
      securityOverview(deps, user),
      listSessions(deps, user),
      listTrustedDevices(deps, user),
      recentActivity(deps, user),
      codeTargetsOf(deps, user),
      mfaRequirementOf(deps, user),
    ]);
    const done = String((request.query as { done?: string }).done);
    const notice = actionCode
      ? `We sent a code to ${actionCode.sentTo}. Enter it in the form you asked for it from.`
      : notices[done];
    const view = session.enrollmentOnly ? enrollmentView : accountView;
    return render(
      request,
      reply,
      session.enrollmentOnly ? 'Set up two-step verification' : 'Account security',
      (csrfToken) =>
        view({
          csrfToken,
          user,
          session,
          overview,
          sessions,
          devices,
          activity,
          notice: error ? undefined : notice,
          offerEndingSessions: !error && factorChanges.has(done) && sessions.length > 1,
          error: error?.message,
          minLength: config.passwords.minLength,
          digits: config.totp.digits,
          emailDigits: config.emailCodes.digits,
          recoveryCodeCount: config.recoveryCodes.count,
          deletionGraceDays: config.accountDeletion.graceDays,
          codeTargets: codeTargets.map(({ factorId, channel, sentTo }) => ({ factorId, channel, sentTo })),
          actionCode,
          requirement,
        }),
      error?.status,
    );
  };

  app.get('/', async (request, reply) => reply.redirect(request.auth ? '/account' : '/sign-in', 303));

  app.get('/sign-in', async (request, reply) => {
    if (request.auth) return reply.redirect('/account', 303);
    const passwordless = config.signIn.passwordless && (request.query as { with?: string }).with !== 'password';
    const providers = config.sso.providers;
    return render(request, reply, 'Sign in', (csrfToken) =>
      signInView({ csrfToken, passkeys, magicLinks, passwordless, providers }),
    );
  });

  app.post('/sign-in', async (request, reply) => {
    try {
      return afterFirstFactor(
        request,
        reply,
        await signInWithPassword(deps, { ...credentials.parse(request.body), ...clientOf(config, request) }),
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      const email = typedField(request.body, 'email');
      return render(
        request,
        reply,
        'Sign in',
        (csrfToken) => signInView({ csrfToken, passkeys, magicLinks, error: message, email }),
        status,
      );
    }
  });

  app.post('/sign-in/passkey', async (request, reply) => {
    try {
      const { credential } = passkeyForm.parse(request.body);
      const response = parseKeyAnswer(credential, webauthnAssertion);
      return afterFirstFactor(request, reply, await signInWithPasskey(deps, { response, ...clientOf(config, request) }));
    } catch (error) {
      const { status, message } = formFailure(error);
      return render(
        request,
        reply,
        'Sign in',
        (csrfToken) => signInView({ csrfToken, passkeys, magicLinks, error: message }),
        status,
      );
    }
  });

  app.get('/sign-up', async (request, reply) => {
    if (request.auth) return reply.redirect('/account', 303);
    return render(request, reply, 'Create account', (csrfToken) =>
      signUpView({ csrfToken, minLength: config.passwords.minLength }),
    );
  });

  app.post('/sign-up', async (request, reply) => {
    try {
      return afterFirstFactor(
        request,
        reply,
        await signUp(deps, { ...credentials.parse(request.body), ...clientOf(config, request) }),
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      const view = (csrfToken: string) =>
        signUpView({
          csrfToken,
          error: message,
          email: typedField(request.body, 'email'),
          minLength: config.passwords.minLength,
        });
      return render(request, reply, 'Create account', view, status);
    }
  });

  app.get('/sign-out', async (request, reply) => {
    if (!request.auth) return reply.redirect('/sign-in', 303);
    const trusted = readCookie(config, request, 'device') !== undefined;
    return render(request, reply, 'Sign out', (csrfToken) =>
      signOutView({ csrfToken, trusted, endsOnSignOut: config.trustedDevices.endOnSignOut }),
    );
  });

  app.post('/sign-out', async (request, reply) => {
    if (request.auth) {
      const forgetDevice = (request.body as { forgetDevice?: unknown } | undefined)?.forgetDevice === 'on';
      await signOut(deps, { ...request.auth, ...clientOf(config, request), forgetDevice });
    }
    clearCookie(config, reply, 'session');
    return reply.redirect('/sign-in', 303);
  });

  app.get('/account', { preHandler: requireSignedInPage }, (request, reply) => renderAccount(request, reply));

  app.post('/account/action-code', { preHandler: requireSignedInPage }, async (request, reply) => {
    try {
      const [action, factorId, channel] = actionCodeForm.parse(request.body).codeFor.split(/[|:]/) as [
        string,
        string,
        CodeChannel,
      ];
      const sent = await sendActionCode(deps, { ...request.auth!, action, factorId, channel, ...originOf(request) });
      if ('covered' in sent) return await renderAccount(request, reply, undefined);
      return await renderAccount(request, reply, undefined, { action, ...sent });
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });

  app.post('/account/password', { preHandler: requireSignedInPage }, async (request, reply) => {
    try {
      const input = passwordChange.parse(request.body);
      await changePassword(deps, {
        ...request.auth!,
        currentPassword: input.currentPassword,
        newPassword: input.newPassword,
        ...actionProofFromForm(input),
        endOtherSessions: input.endOtherSessions === 'on',
        ...originOf(request),
      });
      return reply.redirect('/account?done=password', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });

  return { renderAccount };
}

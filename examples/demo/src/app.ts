import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import { acrValues, createTessera, type Refusal, type TesseraOptions, TesseraRefused } from '@tessera/sdk';
import { tesseraFastify } from '@tessera/sdk/fastify';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createAccounts, describeChange, type PendingChange, penceOf } from './accounts.js';
import { type ClassicOptions, classicRoutes } from './classic.js';
import { createSessions } from './sessions.js';
import { advisorView, apiKeysView, dashboardView, homeView, layout, problemView, teamView, withdrawView } from './views.js';

/** Where Kestrel runs and how it reaches Tessera. */
export interface DemoOptions {
  /** Kestrel's own public URL, e.g. `http://127.0.0.1:4100`; its sign-in returns to `/auth/callback` there. */
  appUrl: string;
  /** Tessera's URL and Kestrel's client there; the redirect URI is Kestrel's `/auth/callback`. */
  tessera: Omit<TesseraOptions, 'redirectUri'>;
  /** Kestrel's own-login page on Tessera's MFA-only prompt; without it the page is off. Default: off. */
  classic?: ClassicOptions;
}

const stylesheet = readFileSync(new URL('./kestrel.css', import.meta.url));

/** Pages Kestrel returns to after signing in: its own paths only. */
const localPath = (value: unknown) => (typeof value === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) ? value : '/dashboard');

/** Where each approved change is seen afterwards. */
const pageOf: Record<PendingChange['kind'], string> = {
  'team.add_member': '/team',
  'team.remove_member': '/team',
  'api_key.invalidate': '/api-keys',
  'funds.withdraw': '/withdraw',
};

/**
 * Kestrel: a coaching-and-investing app that uses only @tessera/sdk. People sign in through
 * Tessera over OpenID Connect with two factors; the advisor desk asks for a phishing-resistant
 * sign-in; team changes, invalidating an API key and withdrawals wait for Tessera's approval of
 * exactly that change, and happen when the browser comes back with the grant.
 */
export async function createDemoApp(options: DemoOptions) {
  const appUrl = new URL(options.appUrl);
  const tessera = createTessera({ ...options.tessera, redirectUri: new URL('/auth/callback', appUrl).href });
  const accounts = createAccounts();
  const sessions = createSessions(appUrl.protocol === 'https:');
  const app = Fastify({ logger: false });
  await app.register(cookie);
  await app.register(formbody);

  app.addHook('onRequest', async (request, reply) => {
    const tesseraOrigin = new URL(options.tessera.url).origin;
    reply.headers({
      'content-security-policy': `default-src 'none'; style-src 'self'; form-action 'self' ${tesseraOrigin}; frame-ancestors 'none'; base-uri 'none'`,
      'x-content-type-options': 'nosniff',
      // Grants travel in the return URL: no page passes its address to another site.
      'referrer-policy': 'same-origin',
    });
    if (request.method === 'POST' && request.headers.origin !== undefined && request.headers.origin !== appUrl.origin) {
      return reply
        .status(403)
        .type('text/html')
        .send(page('Refused', problemView('This form was sent from another site.')));
    }
  });

  const page = (title: string, body: Parameters<typeof layout>[0]['body'], request?: FastifyRequest, reply?: FastifyReply) => {
    const session = request && reply ? sessions.of(request, reply) : undefined;
    const notice = session?.notice;
    if (session) delete session.notice;
    return layout({ title, body, notice, identity: session?.identity });
  };
  const show = (request: FastifyRequest, reply: FastifyReply, title: string, body: Parameters<typeof page>[1], status = 200) =>
    reply
      .status(status)
      .type('text/html')
      .send(page(title, body, request, reply));

  /** A browser is sent where it can get what a refusal says is missing. */
  const onRefusal = (request: FastifyRequest, reply: FastifyReply, refusal: Refusal) => {
    const back = encodeURIComponent(request.url.replace(/[?&]grant=[^&]*/, ''));
    if (refusal.error === 'invalid_grant') {
      const next = refusal.stepUpUrl ? { href: refusal.stepUpUrl, label: 'Approve again' } : undefined;
      return show(request, reply, 'That approval can’t be used', problemView(refusal.description, next), 403);
    }
    if (refusal.stepUpUrl) return reply.redirect(refusal.stepUpUrl, 303);
    const level = refusal.acrValues ? `&acr=${encodeURIComponent(refusal.acrValues.join(' '))}` : '';
    const recent = refusal.maxAge !== undefined ? `&max_age=${refusal.maxAge}` : '';
    return reply.redirect(`/sign-in?return=${back}${level}${recent}`, 303);
  };
  const guards = tesseraFastify(tessera, {
    appUrl: appUrl.origin,
    tokenOf: (request) => sessions.find(request)?.identity?.idToken,
    onRefusal,
  });
  const signedIn = { preHandler: guards.requireSession() };
  const subOf = (request: FastifyRequest) => request.tessera!.identity.sub;

  app.get('/kestrel.css', (_request, reply) => reply.type('text/css').header('cache-control', 'max-age=300').send(stylesheet));

  app.get('/', (request, reply) =>
    sessions.of(request, reply).identity
      ? reply.redirect('/dashboard', 303)
      : show(request, reply, 'Welcome to Kestrel', homeView()),
  );

  app.get('/sign-in', async (request, reply) => {
    const query = request.query as { acr?: string; max_age?: string; return?: string };
    const asked = (query.acr ?? '').split(' ').filter((value) => (Object.values(acrValues) as string[]).includes(value));
    const maxAge = query.max_age !== undefined && /^\d{1,6}$/.test(query.max_age) ? Number(query.max_age) : undefined;
    const { url, pending } = await tessera.startSignIn({
      acrValues: asked.length > 0 ? asked : [acrValues.multiFactor],
      ...(maxAge !== undefined ? { maxAge } : {}),
    });
    sessions.of(request, reply).signingIn = { ...pending, returnTo: localPath(query.return) };
    return reply.redirect(url, 303);
  });

  app.get('/auth/callback', async (request, reply) => {
    const session = sessions.of(request, reply);
    const signingIn = session.signingIn;
    if (!signingIn)
      return show(
        request,
        reply,
        'Sign-in expired',
        problemView('Start signing in again.', { href: '/sign-in', label: 'Sign in' }),
        400,
      );
    delete session.signingIn;
    try {
      session.identity = await tessera.finishSignIn(new URL(request.url, appUrl), signingIn);
    } catch (error) {
      const message = error instanceof TesseraRefused ? error.message : 'Tessera did not sign you in.';
      return show(request, reply, 'Sign-in failed', problemView(message, { href: '/sign-in', label: 'Try again' }), 400);
    }
    return reply.redirect(signingIn.returnTo, 303);
  });

  app.post('/sign-out', (request, reply) => {
    sessions.end(request, reply);
    return reply.redirect('/', 303);
  });

  app.get('/dashboard', signedIn, (request, reply) =>
    show(request, reply, 'Overview', dashboardView(request.tessera!.identity, accounts.accountOf(subOf(request)))),
  );

  app.get(
    '/advisor',
    { preHandler: guards.requireAcr(acrValues.phishingResistant, acrValues.phishingResistantHardware) },
    (request, reply) => show(request, reply, 'Advisor desk', advisorView(request.tessera!.identity)),
  );

  app.get('/team', signedIn, (request, reply) => show(request, reply, 'Team', teamView(accounts.accountOf(subOf(request)))));

  app.post('/team', signedIn, (request, reply) => {
    const { name = '', email = '' } = (request.body ?? {}) as { name?: string; email?: string };
    if (!name.trim() || name.length > 80 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 120) {
      return show(request, reply, 'Team', teamView(accounts.accountOf(subOf(request)), 'Give a name and an email address.'), 400);
    }
    const member = { id: crypto.randomUUID(), name: name.trim(), email: email.trim() };
    const change = accounts.propose({ sub: subOf(request), kind: 'team.add_member', member });
    return reply.redirect(`/approvals/${change.kind}/${change.id}`, 303);
  });

  app.post('/team/:memberId/remove', signedIn, (request, reply) => {
    const member = accounts
      .accountOf(subOf(request))
      .team.find((candidate) => candidate.id === (request.params as { memberId: string }).memberId);
    if (!member) return show(request, reply, 'Not found', problemView('There is no such team member.'), 404);
    const change = accounts.propose({ sub: subOf(request), kind: 'team.remove_member', member });
    return reply.redirect(`/approvals/${change.kind}/${change.id}`, 303);
  });

  app.get('/api-keys', signedIn, (request, reply) =>
    show(request, reply, 'API keys', apiKeysView(accounts.accountOf(subOf(request)))),
  );

  app.post('/api-keys', signedIn, (request, reply) => {
    const name = ((request.body ?? {}) as { name?: string }).name?.trim() ?? '';
    if (!name || name.length > 60) return show(request, reply, 'API keys', apiKeysView(accounts.accountOf(subOf(request))), 400);
    const { secret } = accounts.createApiKey(subOf(request), name);
    return show(request, reply, 'API keys', apiKeysView(accounts.accountOf(subOf(request)), { name, secret }), 201);
  });

  app.post('/api-keys/:keyId/invalidate', signedIn, (request, reply) => {
    const key = accounts
      .accountOf(subOf(request))
      .apiKeys.find((candidate) => candidate.id === (request.params as { keyId: string }).keyId);
    if (!key || key.invalidatedAt)
      return show(request, reply, 'Not found', problemView('There is no such key to invalidate.'), 404);
    const change = accounts.propose({ sub: subOf(request), kind: 'api_key.invalidate', key });
    return reply.redirect(`/approvals/${change.kind}/${change.id}`, 303);
  });

  app.get('/withdraw', signedIn, (request, reply) =>
    show(request, reply, 'Withdraw funds', withdrawView(accounts.accountOf(subOf(request)))),
  );

  app.post('/withdraw', signedIn, (request, reply) => {
    const account = accounts.accountOf(subOf(request));
    const amount = ((request.body ?? {}) as { amount?: string }).amount?.trim() ?? '';
    const pence = penceOf(amount);
    if (pence <= 0 || pence > account.balancePence) {
      return show(request, reply, 'Withdraw funds', withdrawView(account, 'Enter an amount up to your available balance.'), 400);
    }
    const change = accounts.propose({ sub: subOf(request), kind: 'funds.withdraw', pence, toAccount: account.bankAccount });
    return reply.redirect(`/approvals/${change.kind}/${change.id}`, 303);
  });

  if (options.classic) {
    classicRoutes(app, { appUrl, tesseraUrl: options.tessera.url, options: options.classic, accounts, sessions, show });
  }

  const waiting = new WeakMap<FastifyRequest, PendingChange>();
  for (const kind of Object.keys(pageOf) as PendingChange['kind'][]) {
    app.get(
      `/approvals/${kind}/:id`,
      {
        preHandler: [
          guards.requireSession(),
          async (request, reply) => {
            const change = accounts.pendingChange(subOf(request), (request.params as { id: string }).id, kind);
            if (!change)
              return show(
                request,
                reply,
                'Nothing to approve',
                problemView('This change was already made, or never asked for.'),
                404,
              );
            waiting.set(request, change);
          },
          guards.requireStepUp(kind, (request) => describeChange(waiting.get(request)!)),
        ],
      },
      (request, reply) => {
        const change = waiting.get(request)!;
        accounts.apply(change);
        sessions.of(request, reply).notice = `Done: ${describeChange(change)}.`;
        return reply.redirect(pageOf[kind], 303);
      },
    );
  }

  return app;
}

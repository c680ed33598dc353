import type { FastifyInstance } from 'fastify';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import { accountPages } from './account-pages.js';
import { authenticatorPages } from './authenticator-pages.js';
import { challengePages } from './challenge-pages.js';
import { confirmPages } from './confirm-pages.js';
import { devicePages } from './device-pages.js';
import { magicLinkPages } from './magic-link-pages.js';
import { promptPages } from './prompt-pages.js';
import { mfaSetupPages } from './mfa-setup-pages.js';
import { passwordResetPages } from './password-reset-pages.js';
import { emailCodePages } from './email-code-pages.js';
import { phonePages } from './phone-pages.js';
import { verifyEmailPages } from './verify-email-pages.js';
import { webauthnPages } from './webauthn-pages.js';
import { outboxPages } from './outbox-pages.js';
import { registerPageKit } from './page-kit.js';
import { accountDeletionPages } from './account-deletion-pages.js';
import { stepUpPages } from './step-up-pages.js';
import { passwordlessPages } from './passwordless-pages.js';
import { ssoPages } from './sso-pages.js';
import { adminPages } from './admin-pages.js';
import { apiReferencePages } from './api-reference-pages.js';

/** Every server-rendered page, in one scope with form parsing and CSRF tokens. */
export async function pages(app: FastifyInstance, { config, deps }: { config: TesseraConfig; deps: CoreDeps }) {
  const render = await registerPageKit(app, config);
  const { renderAccount } = accountPages(app, { config, deps, render });
  challengePages(app, { config, deps, render });
  authenticatorPages(app, { config, deps, render, renderAccount });
  emailCodePages(app, { config, deps, render });
  phonePages(app, { config, deps, render });
  webauthnPages(app, { config, deps, render, renderAccount });
  devicePages(app, { deps, renderAccount });
  confirmPages(app, { config, deps, render });
  magicLinkPages(app, { config, deps, render });
  promptPages(app, { config, deps, render });
  passwordResetPages(app, { config, deps, render });
  mfaSetupPages(app, { config, deps, render, renderAccount });
  accountDeletionPages(app, { config, deps, render, renderAccount });
  stepUpPages(app, { config, deps, render });
  passwordlessPages(app, { config, deps, render });
  ssoPages(app, { config, deps, render });
  adminPages(app, { config, deps, render });
  verifyEmailPages(app, { deps, render, renderAccountError: renderAccount });
  outboxPages(app, { config, deps, render });
  apiReferencePages(app, { render });
}

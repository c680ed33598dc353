import type { Migration, MigrationProvider } from 'kysely';
import * as accountsAndSessions from './001-accounts-and-sessions.js';
import * as secondFactors from './002-second-factors.js';
import * as outbox from './003-outbox.js';
import * as emailCodes from './004-email-codes.js';
import * as phoneCodes from './005-phone-codes.js';
import * as webauthn from './006-webauthn.js';
import * as devicesAndSessions from './007-devices-and-sessions.js';
import * as mfaSetup from './008-mfa-setup.js';
import * as securityNotices from './009-security-notices.js';
import * as stepUp from './010-step-up-and-deletion.js';
import * as organizations from './011-organizations.js';
import * as federatedIdentities from './012-federated-identities.js';
import * as coverageSnapshots from './013-coverage-snapshots.js';
import * as riskAssessments from './014-risk-assessments.js';
import * as oidcProvider from './015-oidc-provider.js';
import * as apiKeys from './016-api-keys.js';
import * as webhooks from './017-webhooks.js';
import * as mfaPrompt from './018-mfa-prompt.js';

/** Migrations in order; a new one is appended here and never edited once released. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    '001-accounts-and-sessions': accountsAndSessions,
    '002-second-factors': secondFactors,
    '003-outbox': outbox,
    '004-email-codes': emailCodes,
    '005-phone-codes': phoneCodes,
    '006-webauthn': webauthn,
    '007-devices-and-sessions': devicesAndSessions,
    '008-mfa-setup': mfaSetup,
    '009-security-notices': securityNotices,
    '010-step-up-and-deletion': stepUp,
    '011-organizations': organizations,
    '012-federated-identities': federatedIdentities,
    '013-coverage-snapshots': coverageSnapshots,
    '014-risk-assessments': riskAssessments,
    '015-oidc-provider': oidcProvider,
    '016-api-keys': apiKeys,
    '017-webhooks': webhooks,
    '018-mfa-prompt': mfaPrompt,
  }),
};

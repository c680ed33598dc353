import type { Store } from '../core/ports.js';
import type { OpenDatabase } from './open-database.js';
import { eventRepository } from './repositories/events.js';
import { inTransaction } from './repositories/in-transaction.js';
import { factorRepository } from './repositories/factors.js';
import { lockoutRepository } from './repositories/lockout.js';
import { oobChallengeRepository } from './repositories/oob-challenges.js';
import { outboxRepository } from './repositories/outbox.js';
import { pendingSignInRepository } from './repositories/pending-sign-ins.js';
import { recoveryCodeRepository } from './repositories/recovery-codes.js';
import { securityNoticeRepository } from './repositories/security-notices.js';
import { grantRepository, signingKeyRepository } from './repositories/signing-keys.js';
import { stepUpRepository } from './repositories/step-ups.js';
import { organizationRepository } from './repositories/organizations.js';
import { federatedIdentityRepository } from './repositories/federated-identities.js';
import { coverageSnapshotRepository } from './repositories/coverage-snapshots.js';
import { riskAssessmentRepository } from './repositories/risk-assessments.js';
import { keyUsageRepository } from './repositories/key-usage.js';
import { oidcPayloadRepository } from './repositories/oidc-payloads.js';
import { apiKeyRepository } from './repositories/api-keys.js';
import { hostPeopleRepository, promptRepository } from './repositories/prompts.js';
import { sessionRepository } from './repositories/sessions.js';
import { throttleRepository } from './repositories/throttles.js';
import { trustedDeviceRepository } from './repositories/trusted-devices.js';
import { userRepository } from './repositories/users.js';
import { webauthnChallengeRepository } from './repositories/webauthn-challenges.js';
import { webhookDeliveryRepository, webhookSubscriptionRepository } from './repositories/webhooks.js';

/** The Store port on Kysely; the same queries run on SQLite and PostgreSQL. */
export function createKyselyStore({ db, dialect }: Pick<OpenDatabase, 'db' | 'dialect'>): Store {
  return {
    transaction: (work) => inTransaction(db, (trx) => work(createKyselyStore({ db: trx, dialect }))),
    users: userRepository(db),
    sessions: sessionRepository(db),
    throttles: throttleRepository(db, dialect),
    events: eventRepository(db),
    factors: factorRepository(db),
    recoveryCodes: recoveryCodeRepository(db),
    pendingSignIns: pendingSignInRepository(db),
    lockout: lockoutRepository(db),
    oobChallenges: oobChallengeRepository(db),
    webauthnChallenges: webauthnChallengeRepository(db),
    trustedDevices: trustedDeviceRepository(db),
    outbox: outboxRepository(db),
    securityNotices: securityNoticeRepository(db),
    stepUps: stepUpRepository(db),
    signingKeys: signingKeyRepository(db),
    grants: grantRepository(db),
    webhookSubscriptions: webhookSubscriptionRepository(db),
    webhookDeliveries: webhookDeliveryRepository(db),
    organizations: organizationRepository(db),
    federatedIdentities: federatedIdentityRepository(db),
    coverageSnapshots: coverageSnapshotRepository(db),
    riskAssessments: riskAssessmentRepository(db),
    keys: keyUsageRepository(db),
    oidcPayloads: oidcPayloadRepository(db),
    apiKeys: apiKeyRepository(db),
    hostPeople: hostPeopleRepository(db),
    prompts: promptRepository(db),
  };
}

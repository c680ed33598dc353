import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Factor, Organization, OrgPolicy } from '../ports.js';

/** No requirement: members choose for themselves. */
export const optionalPolicy: OrgPolicy = { mfa: 'optional', roles: [], allowedMethods: [], graceDays: 0, graceSignIns: 0 };

const factorKinds: Factor['kind'][] = ['totp', 'email', 'phone', 'security_key', 'biometric'];
const signInChallenges: NonNullable<OrgPolicy['signInChallenge']>[] = ['inherit', 'always', 'adaptive', 'off'];
const rolePattern = /^[a-z][a-z0-9_-]{0,31}$/;

function assertRole(role: string): void {
  if (!rolePattern.test(role)) {
    throw new TesseraError('ERR_INVALID_INPUT', 'A role is a lower-case name of up to 32 letters, digits, - or _, e.g. staff.');
  }
}

function assertPolicy(policy: OrgPolicy): void {
  policy.roles.forEach(assertRole);
  if (policy.mfa === 'roles' && policy.roles.length === 0) {
    throw new TesseraError('ERR_INVALID_INPUT', 'Name the roles that must use two-step verification.');
  }
  if (policy.allowedMethods.some((kind) => !factorKinds.includes(kind))) {
    throw new TesseraError('ERR_INVALID_INPUT', `Allowed methods are among ${factorKinds.join(', ')}.`);
  }
  if (policy.graceDays < 0 || policy.graceSignIns < 0)
    throw new TesseraError('ERR_INVALID_INPUT', 'A grace period cannot be negative.');
  if (policy.signInChallenge !== undefined && !signInChallenges.includes(policy.signInChallenge)) {
    throw new TesseraError('ERR_INVALID_INPUT', `When to ask at sign-in is one of ${signInChallenges.join(', ')}.`);
  }
}

export async function createOrganization(deps: CoreDeps, input: { name: string; policy?: OrgPolicy }): Promise<Organization> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100)
    throw new TesseraError('ERR_INVALID_INPUT', 'Give the organization a name of 1 to 100 characters.');
  const policy = input.policy ?? optionalPolicy;
  assertPolicy(policy);
  const org: Organization = { id: newId(deps.random), name, createdAt: deps.clock.now(), policy };
  await deps.store.organizations.create(org);
  return org;
}

/** Changes how the organization enforces two-step verification; members feel it at their next sign-in. */
export async function setOrganizationPolicy(deps: CoreDeps, orgId: string, policy: OrgPolicy): Promise<void> {
  assertPolicy(policy);
  if (!(await deps.store.organizations.setPolicy(orgId, policy))) {
    throw new TesseraError('ERR_NOT_FOUND', 'There is no such organization.');
  }
}

/** Adds a person to the organization with a role (owner, admin, member or a custom one such as staff), or changes it. */
export async function putMember(deps: CoreDeps, input: { orgId: string; userId: string; role: string }): Promise<void> {
  assertRole(input.role);
  if (!(await deps.store.organizations.findById(input.orgId)))
    throw new TesseraError('ERR_NOT_FOUND', 'There is no such organization.');
  if (!(await deps.store.users.findById(input.userId))) throw new TesseraError('ERR_NOT_FOUND', 'There is no such person.');
  await deps.store.organizations.putMember({ ...input, createdAt: deps.clock.now() });
}

import { parseArgs } from 'node:util';
import type { TesseraConfig } from './config.js';
import { TesseraError } from './core/errors.js';
import { createOrganization, putMember, setOrganizationPolicy } from './core/flows/organizations.js';
import type { Factor, OrgPolicy } from './core/ports.js';
import { createServer } from './server.js';

export const orgUsage = `  org create --name N [--json]   Create an organization; prints its id
  org policy set ORG --mfa optional|required|roles
             [--roles staff,admin] [--methods security_key,biometric]
             [--grace-days N] [--grace-sign-ins N]
             [--sign-in-challenge inherit|always|adaptive|off]
                                 Set how the organization enforces two-step
                                 verification and when it is asked at sign-in;
                                 members feel it at next sign-in
  org member add ORG --email E --role R
                                 Add a person with a role (owner, admin, member,
                                 or your own such as staff), or change the role
`;

const listOf = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

/** `tessera org …`: organizations, their policies and members, for scripts and break-glass. */
export async function runOrgCommand(config: TesseraConfig, args: string[], print: (text: string) => void): Promise<number> {
  const [verb, ...rest] = args;
  // ORG is taken by position, not parsed: an id may start with "-".
  const takesOrg = verb === 'policy' || verb === 'member';
  const orgId = takesOrg ? rest[1] : undefined;
  const { values } = parseArgs({
    args: takesOrg ? rest.slice(2) : rest,
    options: {
      name: { type: 'string' },
      mfa: { type: 'string' },
      roles: { type: 'string' },
      methods: { type: 'string' },
      'grace-days': { type: 'string' },
      'grace-sign-ins': { type: 'string' },
      'sign-in-challenge': { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const server = await createServer(config, { warn: () => undefined });
  try {
    if (verb === 'create') {
      const org = await createOrganization(server.deps, { name: values.name ?? '' });
      print(values.json ? JSON.stringify({ id: org.id, name: org.name }) : `Created ${org.name} (id ${org.id})`);
      return 0;
    }
    if (verb === 'policy' && rest[0] === 'set' && orgId) {
      const policy: OrgPolicy = {
        mfa: (values.mfa ?? 'optional') as OrgPolicy['mfa'],
        roles: listOf(values.roles),
        allowedMethods: listOf(values.methods) as Factor['kind'][],
        graceDays: Number(values['grace-days'] ?? 0),
        graceSignIns: Number(values['grace-sign-ins'] ?? 0),
        signInChallenge: (values['sign-in-challenge'] ?? 'inherit') as OrgPolicy['signInChallenge'],
      };
      if (!['optional', 'required', 'roles'].includes(policy.mfa) || !Number.isInteger(policy.graceDays + policy.graceSignIns)) {
        throw new TesseraError('ERR_INVALID_INPUT', '--mfa is optional, required or roles; grace periods are whole numbers.');
      }
      await setOrganizationPolicy(server.deps, orgId, policy);
      print(
        values.json
          ? JSON.stringify({ id: orgId, policy })
          : `Policy of ${orgId} set: two-step verification ${policy.mfa}, asked at sign-in: ${policy.signInChallenge}`,
      );
      return 0;
    }
    if (verb === 'member' && rest[0] === 'add' && orgId) {
      const user = await server.deps.store.users.findByEmail((values.email ?? '').trim().toLowerCase());
      if (!user) throw new TesseraError('ERR_NOT_FOUND', `There is no account with the address ${values.email ?? ''}.`);
      const role = values.role ?? 'member';
      await putMember(server.deps, { orgId, userId: user.id, role });
      print(values.json ? JSON.stringify({ orgId, userId: user.id, role }) : `${user.email} is ${role} of ${orgId}`);
      return 0;
    }
  } finally {
    await server.close();
  }
  print(`Unknown command: org ${args.join(' ')}\n\n${orgUsage}`);
  return 2;
}

import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { clientSecretContext } from '../core/flows/oidc-clients.js';
import type { OidcPayloadRepository, SecretBox } from '../core/ports.js';

/**
 * oidc-provider's adapter on Tessera's store: one row per record, found by id, by the
 * interaction uid or the device user code, and forgotten with its grant. Times are the store's.
 * Clients registered with `tessera oidc client add` are its `Client` records.
 */
export function storeAdapter(records: OidcPayloadRepository, now: () => number, secretBox: SecretBox): AdapterConstructor {
  const toPayload = (record: { payload: string; consumedAt: number | null } | undefined): AdapterPayload | undefined => {
    if (!record) return undefined;
    const { client_secret_sealed: sealed, ...payload } = JSON.parse(record.payload) as AdapterPayload & {
      client_secret_sealed?: string;
    };
    // A registered client's secret is kept sealed; the provider compares the plaintext.
    const secret = sealed === undefined ? undefined : secretBox.open(sealed, clientSecretContext(String(payload.client_id)));
    return {
      ...payload,
      ...(secret === undefined ? {} : { client_secret: secret }),
      ...(record.consumedAt === null ? {} : { consumed: Math.floor(record.consumedAt / 1000) }),
    };
  };
  return class StoreAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      await records.upsert(this.model, id, {
        payload: JSON.stringify(payload),
        grantId: payload.grantId,
        userCode: payload.userCode,
        uid: payload.uid,
        expiresAt: expiresIn === undefined ? null : now() + expiresIn * 1000,
      });
    }

    async find(id: string) {
      return toPayload(await records.find(this.model, id, now()));
    }

    async findByUid(uid: string) {
      return toPayload(await records.findBy(this.model, 'uid', uid, now()));
    }

    async findByUserCode(userCode: string) {
      return toPayload(await records.findBy(this.model, 'userCode', userCode, now()));
    }

    async consume(id: string) {
      await records.consume(this.model, id, now());
    }

    async destroy(id: string) {
      await records.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string) {
      await records.revokeByGrantId(grantId);
    }
  };
}

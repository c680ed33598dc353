import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { OidcPayloadRepository } from '../core/ports.js';

/**
 * oidc-provider's adapter on Tessera's store: one row per record, found by id, by the
 * interaction uid or the device user code, and forgotten with its grant. Times are the store's.
 */
export function storeAdapter(records: OidcPayloadRepository, now: () => number): AdapterConstructor {
  const toPayload = (record: { payload: string; consumedAt: number | null } | undefined): AdapterPayload | undefined =>
    record && {
      ...(JSON.parse(record.payload) as AdapterPayload),
      ...(record.consumedAt === null ? {} : { consumed: Math.floor(record.consumedAt / 1000) }),
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

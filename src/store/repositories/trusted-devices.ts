import type { Kysely, Selectable } from 'kysely';
import type { TrustedDevice, TrustedDeviceRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

const toDevice = (row: Selectable<Database['trusted_devices']>): TrustedDevice => ({
  id: row.id,
  userId: row.user_id,
  tokenHash: row.token_hash,
  userAgent: row.user_agent,
  createdIp: row.created_ip,
  lastIp: row.last_ip,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
});

export function trustedDeviceRepository(db: Kysely<Database>): TrustedDeviceRepository {
  return {
    async create(device) {
      await db
        .deleteFrom('trusted_devices')
        .where('user_id', '=', device.userId)
        .where('expires_at', '<=', device.createdAt)
        .execute();
      await db
        .insertInto('trusted_devices')
        .values({
          id: device.id,
          user_id: device.userId,
          token_hash: device.tokenHash,
          user_agent: device.userAgent,
          created_ip: device.createdIp,
          last_ip: device.lastIp,
          created_at: device.createdAt,
          last_used_at: device.lastUsedAt,
          expires_at: device.expiresAt,
        })
        .execute();
    },
    async findByTokenHash(candidates, now) {
      const row = await db
        .selectFrom('trusted_devices')
        .selectAll()
        .where('token_hash', 'in', candidates)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && toDevice(row);
    },
    async rehash(id, tokenHash) {
      await db.updateTable('trusted_devices').set({ token_hash: tokenHash }).where('id', '=', id).execute();
    },
    async touch(id, now, ip) {
      await db.updateTable('trusted_devices').set({ last_used_at: now, last_ip: ip }).where('id', '=', id).execute();
    },
    async listForUser(userId, now) {
      const rows = await db
        .selectFrom('trusted_devices')
        .selectAll()
        .where('user_id', '=', userId)
        .where('expires_at', '>', now)
        .orderBy('last_used_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(toDevice);
    },
    async delete(userId, id) {
      const result = await db.deleteFrom('trusted_devices').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteAllForUser(userId) {
      const result = await db.deleteFrom('trusted_devices').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

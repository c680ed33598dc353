import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  WebhookDelivery,
  WebhookDeliveryRepository,
  WebhookEventType,
  WebhookSubscription,
  WebhookSubscriptionRepository,
} from '../../core/ports.js';
import type { Database } from '../schema.js';
import { inTransaction } from './in-transaction.js';

const toSubscription = (row: Selectable<Database['webhook_subscriptions']>): WebhookSubscription => ({
  id: row.id,
  url: row.url,
  orgId: row.org_id,
  eventTypes: JSON.parse(row.event_types) as WebhookEventType[],
  secretSealed: row.secret_sealed,
  createdAt: row.created_at,
  disabledAt: row.disabled_at,
});

const toDelivery = (row: Selectable<Database['webhook_deliveries']>): WebhookDelivery => ({
  id: row.id,
  subscriptionId: row.subscription_id,
  eventType: row.event_type as WebhookEventType,
  payload: row.payload,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  status: row.status as WebhookDelivery['status'],
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  deliveredAt: row.delivered_at,
  createdAt: row.created_at,
});

export function webhookSubscriptionRepository(db: Kysely<Database>): WebhookSubscriptionRepository {
  return {
    async create(subscription) {
      await db
        .insertInto('webhook_subscriptions')
        .values({
          id: subscription.id,
          url: subscription.url,
          org_id: subscription.orgId,
          event_types: JSON.stringify(subscription.eventTypes),
          secret_sealed: subscription.secretSealed,
          created_at: subscription.createdAt,
          disabled_at: subscription.disabledAt,
        })
        .execute();
    },
    async findById(id) {
      const row = await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toSubscription(row);
    },
    async list() {
      const rows = await db.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toSubscription);
    },
    async listeningTo(userId) {
      const rows = await db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .where('disabled_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('org_id', 'is', null),
            eb(
              'org_id',
              'in',
              eb.selectFrom('memberships').select('memberships.org_id').where('memberships.user_id', '=', userId),
            ),
          ]),
        )
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toSubscription);
    },
    disable: (id, at) =>
      inTransaction(db, async (trx) => {
        const disabled = await trx
          .updateTable('webhook_subscriptions')
          .set({ disabled_at: at })
          .where('id', '=', id)
          .where('disabled_at', 'is', null)
          .executeTakeFirst();
        if (Number(disabled.numUpdatedRows) !== 1) return false;
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'failed', last_error: 'webhook disabled' })
          .where('subscription_id', '=', id)
          .where('status', '=', 'pending')
          .execute();
        return true;
      }),
    delete: (id) =>
      inTransaction(db, async (trx) => {
        await trx.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
        const deleted = await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
        return Number(deleted.numDeletedRows) === 1;
      }),
    async reseal(id, from, to) {
      const result = await db
        .updateTable('webhook_subscriptions')
        .set({ secret_sealed: to })
        .where('id', '=', id)
        .where('secret_sealed', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export function webhookDeliveryRepository(db: Kysely<Database>): WebhookDeliveryRepository {
  return {
    async enqueue(deliveries) {
      if (deliveries.length === 0) return;
      await db
        .insertInto('webhook_deliveries')
        .values(
          deliveries.map((delivery) => ({
            id: delivery.id,
            subscription_id: delivery.subscriptionId,
            event_type: delivery.eventType,
            payload: delivery.payload,
            attempts: delivery.attempts,
            next_attempt_at: delivery.nextAttemptAt,
            status: delivery.status,
            last_status_code: delivery.lastStatusCode,
            last_error: delivery.lastError,
            delivered_at: delivery.deliveredAt,
            created_at: delivery.createdAt,
          })),
        )
        .execute();
    },
    async isolated(work) {
      // Outside a transaction every statement stands alone, so there is nothing to undo apart.
      if (!db.isTransaction) return work();
      await sql`savepoint webhook_work`.execute(db);
      try {
        const result = await work();
        await sql`release savepoint webhook_work`.execute(db);
        return result;
      } catch (error) {
        await sql`rollback to savepoint webhook_work`.execute(db);
        await sql`release savepoint webhook_work`.execute(db);
        throw error;
      }
    },
    async claimDue(now, leaseUntil, limit) {
      const due = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      if (due.length === 0) return [];
      // Still due is checked again by the UPDATE itself: of parallel claimers, the first one moves
      // the row to its lease and the others' conditions no longer hold.
      const rows = await db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ next_attempt_at: leaseUntil, attempts: eb('attempts', '+', 1) }))
        .where(
          'id',
          'in',
          due.map((row) => row.id),
        )
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .returningAll()
        .execute();
      return rows.map(toDelivery).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async settle(id, leaseUntil, outcome) {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({
          status: outcome.status,
          next_attempt_at: outcome.nextAttemptAt,
          last_status_code: outcome.lastStatusCode,
          last_error: outcome.lastError,
          delivered_at: outcome.deliveredAt,
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '=', leaseUntil)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async listForSubscription(subscriptionId, limit) {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('subscription_id', '=', subscriptionId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },
    async pruneSettled(before) {
      const result = await db
        .deleteFrom('webhook_deliveries')
        .where('status', '!=', 'pending')
        .where('created_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

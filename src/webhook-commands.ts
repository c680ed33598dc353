import { parseArgs } from 'node:util';
import type { TesseraConfig } from './config.js';
import { addWebhook, listWebhooks, removeWebhook } from './core/flows/webhook-subscriptions.js';
import { webhookEventTypes } from './core/webhooks/event-types.js';
import { createServer } from './server.js';

const indent = ' '.repeat(33);
/** The event types, three to a line under the description. */
const eventList = Array.from({ length: Math.ceil(webhookEventTypes.length / 3) }, (_, row) =>
  webhookEventTypes.slice(row * 3, row * 3 + 3).join(', '),
).join(`\n${indent}`);

export const webhookUsage = `  webhook add --url URL --event TYPE [--event TYPE…] [--org ID] [--json]
                                 Post these security events, signed, to URL:
                                 everyone's, or an organization's members' only;
                                 prints the signing secret once. Events:
${indent}${eventList}
  webhook list [--json]          The webhooks, without their secrets
  webhook remove --id ID         Remove one with its delivery log
`;

/** `tessera webhook …`: where security events are posted. */
export async function runWebhookCommand(config: TesseraConfig, args: string[], print: (text: string) => void): Promise<number> {
  const [verb = '', ...rest] = args;
  if (!['add', 'list', 'remove'].includes(verb)) {
    print(`Unknown command: webhook ${args.join(' ')}\n\n${webhookUsage}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      url: { type: 'string' },
      event: { type: 'string', multiple: true },
      org: { type: 'string' },
      id: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const server = await createServer(config, { warn: () => undefined, manualSweeps: true });
  try {
    if (verb === 'add') {
      const { subscription, secret } = await addWebhook(server.deps, {
        url: values.url ?? '',
        eventTypes: values.event ?? [],
        orgId: values.org ?? null,
        production: config.mode === 'production',
      });
      if (values.json) print(`${JSON.stringify({ id: subscription.id, url: subscription.url, secret })}\n`);
      else print(`Added webhook ${subscription.id} for ${subscription.url}.\nIts signing secret, shown this once: ${secret}\n`);
      return 0;
    }
    if (verb === 'list') {
      const listed = (await listWebhooks(server.deps)).map(({ secretSealed: _sealed, ...subscription }) => subscription);
      if (values.json) print(`${JSON.stringify(listed)}\n`);
      else
        for (const subscription of listed) {
          const scope = subscription.orgId === null ? 'everyone' : `org ${subscription.orgId}`;
          const state = subscription.disabledAt === null ? 'active' : 'disabled';
          print(`${subscription.id}\t${subscription.url}\t${scope}\t${subscription.eventTypes.join(',')}\t${state}\n`);
        }
      return 0;
    }
    await removeWebhook(server.deps, values.id ?? '');
    print(`Removed ${values.id ?? ''}.\n`);
    return 0;
  } finally {
    await server.close();
  }
}

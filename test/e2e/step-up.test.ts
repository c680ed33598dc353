import { createHash } from 'node:crypto';
import type { APIRequestContext } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';

const password = 'copper lantern meadow';
const withdrawal = 'Withdraw £250.00 to account ••••1234';
const hostKey = { id: 'shop', secret: 's'.repeat(40) };

describeInChromium(
  'a withdrawal approved in Chromium',
  (suite) => {
    const url = (path: string) => `${suite.server.url}${path}`;
    const newestTo = async (to: string, purpose: string) =>
      (await suite.server.deps.store.outbox.latest(50)).find((message) => message.to === to && message.purpose === purpose)!;
    const post = (request: APIRequestContext, path: string, data: unknown) =>
      request.post(url(path), { data, headers: { origin: suite.server.url } });

    it('names the amount and account on the page and in the emailed code, and returns a grant bound to them', async () => {
      const context = await suite.browser.newContext();
      const { request } = context;
      await post(request, '/api/v1/sign-up', { email: 'ines@example.com', password });
      const link = new URL(
        /(https?:\/\/\S+\/verify-email\?\S+)/.exec((await newestTo('ines@example.com', 'verify_email')).text)![1]!,
      );
      await post(request, '/api/v1/email/verify', { c: link.searchParams.get('c'), t: link.searchParams.get('t') });
      await post(request, '/api/v1/factors/email', { password });
      const enrollCode = /^(\d{6})$/m.exec((await newestTo('ines@example.com', 'enroll_email')).text)![1];
      expect((await post(request, '/api/v1/factors/email/confirm', { code: enrollCode })).status()).toBe(201);

      const page = await context.newPage();
      page.setDefaultTimeout(8_000);
      await page.goto(
        url(`/step-up?${new URLSearchParams({ action: 'funds.withdraw', details: withdrawal, return_to: '/account' })}`),
      );
      const approval = page.getByRole('group', { name: 'What you are approving' });
      expect(await approval.innerText()).toContain(withdrawal);
      await page.getByRole('button', { name: /Email a code to/ }).click();
      await page.getByText('We sent a code to').waitFor();

      const message = await newestTo('ines@example.com', 'step_up');
      expect(message.subject).toBe(`Approve: ${withdrawal}`);
      expect(message.text).toContain(`code to approve “${withdrawal}”`);
      await page.getByLabel('Code we sent you').fill(/^(\d{6})$/m.exec(message.text)![1]!);
      await page.getByRole('button', { name: 'Approve', exact: true }).first().click();
      await page.waitForURL(/\/account\?grant=/);

      const grant = new URL(page.url()).searchParams.get('grant')!;
      const consumed = await request.post(url('/api/v1/grants/consume'), {
        data: { grant },
        headers: { authorization: `Bearer ${hostKey.id}.${hostKey.secret}` },
      });
      expect(await consumed.json()).toMatchObject({
        act: 'funds.withdraw',
        dh: createHash('sha256').update(withdrawal).digest('hex'),
        su: true,
        amr: ['email'],
      });
      await context.close();
    });
  },
  { hostApi: { keys: [hostKey] } },
);

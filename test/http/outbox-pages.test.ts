import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/core/ports.js';
import { TestBrowser } from '../support/http-client.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const message: OutboundMessage = {
  channel: 'email',
  to: 'ada@example.com',
  purpose: 'sign_in_code',
  subject: 'Your sign-in code',
  text: 'Your code is:\n\n482913\n\n<script>alert(1)</script> was not you? Ignore this.',
};

let server: TestServer;
afterEach(() => server.close());

describe('the development outbox', () => {
  it('shows each message the server kept instead of sending, with its full text', async () => {
    server = await startTestServer();
    expect(await server.deps.delivery.send(message)).toEqual({ delivered: true, provider: 'outbox' });
    await server.deps.delivery.send({ ...message, channel: 'sms', to: '+447700900123', subject: '', purpose: 'phone_check' });

    const page = await new TestBrowser(server.app).get('/dev/outbox');

    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('Your sign-in code');
    expect(page.body).toContain('ada@example.com');
    expect(page.body).toContain('+447700900123');
    expect(page.body).toContain('phone_check');
    expect(page.body).toContain(
      '<pre class="outbox-text">Your code is:\n\n482913\n\n&lt;script&gt;alert(1)&lt;/script&gt; was not you? Ignore this.</pre>',
    );
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)|style="/);
  });

  it('says so when nothing has been kept yet', async () => {
    server = await startTestServer();
    const page = await new TestBrowser(server.app).get('/dev/outbox');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('No messages yet.');
  });

  it('is linked from the footer of every page in development, error pages included', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    const link = '<a href="/dev/outbox">Development outbox</a>';
    expect((await browser.get('/sign-in')).body).toContain(link);
    const missing = await browser.get('/no-such-page');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain(link);
  });

  it('does not exist in production: the page answers 404 and no footer links to it', async () => {
    server = await startTestServer({ config: testConfig({ mode: 'production' }) });
    await server.deps.delivery.send(message);
    const browser = new TestBrowser(server.app);

    const page = await browser.get('/dev/outbox');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Page not found');
    expect(page.body).not.toContain('482913');
    expect(page.body).not.toContain('/dev/outbox');
    expect((await browser.get('/sign-in')).body).not.toContain('/dev/outbox');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer({ config: testConfig({ branding: { productName: 'Acme Accounts', primaryColor: '#0a7d4f' } }) });
  browser = new TestBrowser(server.app);
});
afterEach(() => server.close());

describe('account pages', () => {
  it('sends a visitor to sign-in and a signed-in person to their account', async () => {
    expect((await browser.get('/')).headers.location).toBe('/sign-in');
    expect((await browser.get('/account')).headers.location).toBe('/sign-in');
    await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
    expect((await browser.get('/')).headers.location).toBe('/account');
    expect((await browser.get('/sign-in')).headers.location).toBe('/account');
  });

  it('keeps the session cookie across browser restarts until the session’s absolute end', async () => {
    const signUp = await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
    const cookie = signUp.cookies.find((each) => each.name === 'tessera_session');
    expect(cookie).toMatchObject({ httpOnly: true, maxAge: 24 * 3600 });
  });

  it('offers to end the other sessions after a sign-in method changes, and ends them', async () => {
    await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
    const laptop = new TestBrowser(server.app);
    await laptop.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    expect((await browser.get('/account')).body).not.toContain('End the other sessions');
    const offered = (await browser.get('/account?done=app-added')).body;
    expect(offered).toContain('You are signed in elsewhere too.');
    const ended = await browser.submitForm('/account?done=app-added', '/account/sessions/end-others', {});
    expect(ended.headers.location).toBe('/account?done=sessions-ended');
    expect((await laptop.get('/api/v1/me')).statusCode).toBe(401);
    expect((await browser.get('/account?done=app-added')).body).not.toContain('End the other sessions');
  });

  it('signs up through the form, shows the account page, signs out and signs back in', async () => {
    const signUp = await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
    expect(signUp.statusCode).toBe(303);
    expect(signUp.headers.location).toBe('/account');
    const account = await browser.get('/account');
    expect(account.body).toContain('Account security');
    expect(account.body).toContain('ada@example.com');

    const signOut = await browser.submitForm('/account', '/sign-out', {});
    expect(signOut.headers.location).toBe('/sign-in');
    expect((await browser.get('/account')).statusCode).toBe(303);

    const signIn = await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    expect(signIn.headers.location).toBe('/account');
    expect((await browser.get('/account')).statusCode).toBe(200);
  });

  it('shows the same message for a wrong password and an unknown account, keeping the typed email', async () => {
    await new TestBrowser(server.app).submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
    const wrong = await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password: 'not the password' });
    const unknown = await browser.submitForm('/sign-in', '/sign-in', { email: 'eve@example.com', password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const message = (body: string) => /role="alert">([^<]+)</.exec(body)?.[1];
    expect(message(wrong.body)).toBe('The email or password is not right.');
    expect(message(unknown.body)).toBe(message(wrong.body));
    expect(unknown.body).toContain('value="eve@example.com"');
  });

  it('explains a refused password on the sign-up form and creates nothing', async () => {
    const response = await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password: 'password1' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('one of the most common');
    expect(await server.deps.store.users.findByEmail('ada@example.com')).toBeUndefined();
  });

  it('escapes what people type when it is shown back', async () => {
    const response = await browser.submitForm('/sign-in', '/sign-in', { email: '"><script>alert(1)</script>', password: 'x' });
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain('<script>alert(1)</script>');
    expect(response.body).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('refuses a form without its CSRF token and changes nothing', async () => {
    await browser.get('/sign-up');
    const response = await browser.request({
      method: 'POST',
      url: '/sign-up',
      payload: new URLSearchParams({ email: 'ada@example.com', password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toContain('text/html');
    expect(await server.deps.store.users.findByEmail('ada@example.com')).toBeUndefined();
  });

  it('changes the password on the account page after the current one is given', async () => {
    await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
    const wrong = await browser.submitForm('/account', '/account/password', {
      currentPassword: 'nope nope nope',
      newPassword: 'violet canyon drum',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('The current password is not right.');
    const changed = await browser.submitForm('/account', '/account/password', {
      currentPassword: password,
      newPassword: 'violet canyon drum',
      endOtherSessions: 'on',
    });
    expect(changed.headers.location).toBe('/account?done=password');
    expect((await browser.get('/account?done=password')).body).toContain('Your password was changed.');
  });

  it('renders pages with the configured product name and colours, as a stylesheet', async () => {
    const page = await browser.get('/sign-in');
    expect(page.body).toContain('<title>Sign in · Acme Accounts</title>');
    const theme = await browser.get('/assets/theme.css');
    expect(theme.headers['content-type']).toContain('text/css');
    expect(theme.body).toContain('--primary: #0a7d4f;');
    expect((await browser.get('/assets/styles.css')).statusCode).toBe(200);
  });

  it('uses accessible, autofill-friendly inputs and no inline script or style', async () => {
    const page = (await browser.get('/sign-up')).body;
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('autocomplete="email"');
    expect(page).toContain('autocomplete="new-password"');
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)|style=/);
  });

  it('answers an unknown page with a 404 page', async () => {
    const response = await browser.get('/nowhere');
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('Page not found');
  });
});

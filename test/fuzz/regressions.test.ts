import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FuzzWorld, startFuzzWorld } from './world.js';

/** What the fuzzer found, each kept as the smallest request that showed it. */
let world: FuzzWorld;
beforeAll(async () => {
  world = await startFuzzWorld();
});
afterAll(() => world?.close());

const cookiesOf = (holder: 'session' | 'pending' | 'anonymous') =>
  [...world.jars[holder].cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
const origin = () => world.server.config.server.publicUrl;

describe('what the router refuses before any route', () => {
  it('answers a bad escape in an API path with the API’s JSON error, not Fastify’s own', async () => {
    const response = await world.inject({
      method: 'PATCH',
      url: '/api/v1/factors/%E0%A4%A',
      headers: { cookie: cookiesOf('session'), origin: origin() },
      payload: { label: 'Phone' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.json()).toEqual({
      error: { code: 'ERR_INVALID_INPUT', message: expect.stringContaining('not a valid url') },
    });
  });

  it('answers a path parameter over the router’s 100 characters with the API’s JSON error', async () => {
    const response = await world.inject({
      method: 'DELETE',
      url: `/api/v1/sessions/${'a'.repeat(101)}`,
      headers: { cookie: cookiesOf('session'), origin: origin() },
    });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toMatchObject({ error: { code: 'ERR_INVALID_INPUT' } });
  });

  it('answers a bad escape in a page’s path with the error page', async () => {
    const response = await world.inject({ method: 'GET', url: '/admin/people/%zz', headers: { cookie: cookiesOf('session') } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('<h1 id="title">That did not work</h1>');
  });
});

describe('the admin console’s new organization form', () => {
  const organizations = async () => (await world.server.deps.store.organizations.list()).map((org) => org.name);

  it('refuses a name given twice, and creates no organization named after both', async () => {
    const before = await organizations();
    const response = await world.inject({
      method: 'POST',
      url: '/admin/orgs',
      headers: { cookie: cookiesOf('session'), origin: origin(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([
        ['_csrf', world.jars.session.csrf],
        ['name', 'Acme'],
        ['name', 'Globex'],
      ]).toString(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Give the organization a name of 1 to 100 characters.');
    expect(await organizations()).toEqual(before);
  });

  it('refuses a name posted as JSON that is not a string, and creates no “[object Object]”', async () => {
    const before = await organizations();
    const response = await world.inject({
      method: 'POST',
      url: '/admin/orgs',
      headers: { cookie: cookiesOf('session'), origin: origin() },
      payload: { _csrf: world.jars.session.csrf, name: { toString: 'Acme' } },
    });
    expect(response.statusCode).toBe(400);
    expect(await organizations()).toEqual(before);
  });
});

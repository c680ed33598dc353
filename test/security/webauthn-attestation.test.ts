import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttestationCa } from '../support/attestation-ca.js';
import { TestBrowser } from '../support/http-client.js';
import { password } from '../support/mfa.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const origin = 'http://localhost:4000';
const yubikeyModel = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

describe('direct attestation against the operator’s roots', () => {
  let server: TestServer;
  afterEach(() => server.close());

  async function start(trusted: AttestationCa, allowedAaguids: string[] = []) {
    const config = testConfig({ webauthn: { attestation: 'direct', allowedAaguids } });
    const rootFile = join(config.dataDir, 'attestation-roots.pem');
    writeFileSync(rootFile, trusted.rootPem);
    server = await startTestServer({ config: { ...config, webauthn: { ...config.webauthn, trustRoots: [rootFile] } } });
    const browser = new TestBrowser(server.app);
    expect((await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password })).statusCode).toBe(201);
    return browser;
  }

  const register = async (
    browser: TestBrowser,
    key: SoftAuthenticator,
    attestation?: Awaited<ReturnType<AttestationCa['packedAttestation']>>,
  ) => {
    const options = await browser.postJson('/api/v1/factors/webauthn/options', { kind: 'security_key', password });
    expect(options.json()).toMatchObject({ attestation: 'direct' });
    return browser.postJson('/api/v1/factors/webauthn', { credential: key.register(options.json(), {}, { attestation }) });
  };

  it('registers a key whose attestation certificate chains to a trusted root', async () => {
    const maker = await AttestationCa.create('Trusted Maker');
    const browser = await start(maker);
    const added = await register(
      browser,
      new SoftAuthenticator(origin, { aaguid: yubikeyModel }),
      await maker.packedAttestation(),
    );
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json().factor.webauthn).toMatchObject({ aaguid: yubikeyModel });
  });

  it('refuses a key without attestation, and one attested by a maker the operator does not trust', async () => {
    const browser = await start(await AttestationCa.create('Trusted Maker'));
    expect((await register(browser, new SoftAuthenticator(origin))).statusCode).toBe(400);
    const stranger = await AttestationCa.create('Unknown Maker');
    expect((await register(browser, new SoftAuthenticator(origin), await stranger.packedAttestation())).statusCode).toBe(400);
    expect((await browser.get('/api/v1/factors')).json().factors).toEqual([]);
  });

  it('refuses a trusted maker’s model that is not on the allowlist', async () => {
    const maker = await AttestationCa.create('Trusted Maker');
    const browser = await start(maker, [yubikeyModel]);
    const otherModel = new SoftAuthenticator(origin, { aaguid: '2fc0579f-8113-47ea-b116-bb5a8db9202a' });
    expect((await register(browser, otherModel, await maker.packedAttestation())).statusCode).toBe(400);
    const allowed = new SoftAuthenticator(origin, { aaguid: yubikeyModel });
    expect((await register(browser, allowed, await maker.packedAttestation())).statusCode).toBe(201);
  });
});

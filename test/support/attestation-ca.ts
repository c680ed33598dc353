import 'reflect-metadata';
import { createPrivateKey, type KeyObject, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as Crypto);
const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const validity = { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) };

const newKeys = () => webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const toNodeKey = async (key: CryptoKey): Promise<KeyObject> =>
  createPrivateKey({ key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)), format: 'der', type: 'pkcs8' });

/**
 * A certificate authority for attestation tests, as an authenticator maker runs one: its root
 * certificate is what an operator would trust, and each attestation certificate it issues has
 * the subject the `packed` format requires.
 */
export class AttestationCa {
  private constructor(
    readonly root: x509.X509Certificate,
    private readonly rootKeys: CryptoKeyPair,
  ) {}

  static async create(name: string): Promise<AttestationCa> {
    const keys = await newKeys();
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=${name} Root, O=${name}, C=GB`,
      ...validity,
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    });
    return new AttestationCa(root, keys);
  }

  get rootPem(): string {
    return this.root.toString('pem');
  }

  /** A `packed` attestation statement signer with a fresh attestation certificate from this CA. */
  async packedAttestation(): Promise<
    (authData: Buffer, clientDataHash: Buffer) => { fmt: string; attStmt: Map<string, unknown> }
  > {
    const keys = await newKeys();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: 'C=GB, O=Tessera Tests, OU=Authenticator Attestation, CN=Test Key',
      issuer: this.root.subject,
      ...validity,
      signingKey: this.rootKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: algorithm,
      extensions: [new x509.BasicConstraintsExtension(false)],
    });
    const privateKey = await toNodeKey(keys.privateKey);
    return (authData, clientDataHash) => ({
      fmt: 'packed',
      attStmt: new Map<string, unknown>([
        ['alg', -7],
        ['sig', sign('sha256', Buffer.concat([authData, clientDataHash]), privateKey)],
        ['x5c', [new Uint8Array(certificate.rawData)]],
      ]),
    });
  }
}

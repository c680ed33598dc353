import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import type { WebAuthnCredential } from '../../src/core/ports.js';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const flagBits = { up: 0x01, uv: 0x04, backupEligible: 0x08, backedUp: 0x10, attestedCredential: 0x40 };

export interface Ceremony {
  /** The options the server returned, as @simplewebauthn/browser would receive them. */
  challenge: string;
  rpId?: string;
}

export interface Presence {
  /** The person touched the key. */
  up?: boolean;
  /** The person was verified by PIN or biometric. */
  uv?: boolean;
}

/**
 * An authenticator in software: a real ES256 key pair per credential, real authenticator data
 * and signatures, so the server's verification runs unchanged. Tests use it where a browser is
 * not needed (parallel submissions, another person's answer, time running out); the browser
 * tests drive Chromium's own virtual authenticators.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(32).toString('base64url');
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  signCount = 0;

  constructor(
    readonly origin: string,
    readonly options: {
      rpId?: string;
      backupEligible?: boolean;
      userHandle?: string;
      counter?: boolean;
      /** The authenticator model, a UUID; all zeros (undisclosed) by default. */
      aaguid?: string;
    } = {},
  ) {}

  private rpIdOf(ceremony: Ceremony): string {
    return ceremony.rpId ?? this.options.rpId ?? new URL(this.origin).hostname;
  }

  private authData(ceremony: Ceremony, presence: Presence, attested?: Buffer): Buffer {
    let flags = ((presence.up ?? true) ? flagBits.up : 0) | (presence.uv ? flagBits.uv : 0);
    if (this.options.backupEligible) flags |= flagBits.backupEligible | flagBits.backedUp;
    if (attested) flags |= flagBits.attestedCredential;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.signCount);
    return Buffer.concat([sha256(this.rpIdOf(ceremony)), Buffer.from([flags]), counter, attested ?? Buffer.alloc(0)]);
  }

  private clientData(type: 'webauthn.create' | 'webauthn.get', ceremony: Ceremony, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge: ceremony.challenge, origin, crossOrigin: false }));
  }

  /** The public key as Tessera stores it: COSE, base64url. */
  publicKeyBase64url(): string {
    return Buffer.from(this.coseKey()).toString('base64url');
  }

  /** The credential as Tessera keeps it after registering this authenticator. */
  storedCredential(): WebAuthnCredential {
    return {
      credentialId: this.credentialId,
      signCount: 0,
      transports: ['usb'],
      aaguid: this.options.aaguid ?? '00000000-0000-0000-0000-000000000000',
      attachment: 'cross-platform',
      userVerified: false,
      discoverable: this.options.userHandle !== undefined,
      backupEligible: this.options.backupEligible ?? false,
      backedUp: this.options.backupEligible ?? false,
      attestationFormat: 'none',
      flaggedAt: null,
    };
  }

  publicKeySpki(): KeyObject {
    return this.keys.publicKey;
  }

  private coseKey(): Uint8Array {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, isoBase64URL.toBuffer(jwk.x!)],
        [-3, isoBase64URL.toBuffer(jwk.y!)],
      ]),
    );
  }

  private credential<Response>(response: Response) {
    return { id: this.credentialId, rawId: this.credentialId, type: 'public-key' as const, response };
  }

  /** The answer to `navigator.credentials.create()`, with `none` attestation unless a statement is given. */
  register(
    ceremony: Ceremony,
    presence: Presence = {},
    overrides: {
      origin?: string;
      attestation?: (authData: Buffer, clientDataHash: Buffer) => { fmt: string; attStmt: Map<string, unknown> };
    } = {},
  ) {
    const id = Buffer.from(this.credentialId, 'base64url');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(id.length);
    const aaguid = Buffer.from((this.options.aaguid ?? '00000000-0000-0000-0000-000000000000').replace(/-/g, ''), 'hex');
    const attested = Buffer.concat([aaguid, length, id, this.coseKey()]);
    const authData = this.authData(ceremony, presence, attested);
    const clientData = this.clientData('webauthn.create', ceremony, overrides.origin);
    const statement = overrides.attestation?.(authData, sha256(clientData)) ?? { fmt: 'none', attStmt: new Map() };
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', statement.fmt],
        ['attStmt', statement.attStmt],
        ['authData', authData],
      ]) as never,
    );
    return {
      ...this.credential({
        clientDataJSON: clientData.toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['usb' as const],
      }),
      authenticatorAttachment: 'cross-platform' as const,
      clientExtensionResults: { credProps: { rk: this.options.userHandle !== undefined } },
    };
  }

  /** The answer to `navigator.credentials.get()`; each answer raises the counter unless the key keeps none. */
  assert(ceremony: Ceremony, presence: Presence = {}, overrides: { origin?: string; signWith?: KeyObject } = {}) {
    if (this.options.counter !== false) this.signCount++;
    const authData = this.authData(ceremony, presence);
    const clientData = this.clientData('webauthn.get', ceremony, overrides.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), overrides.signWith ?? this.keys.privateKey);
    return {
      ...this.credential({
        clientDataJSON: clientData.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(this.options.userHandle ? { userHandle: this.options.userHandle } : {}),
      }),
      clientExtensionResults: {},
    };
  }
}

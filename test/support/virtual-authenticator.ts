import type { CDPSession, Page } from 'playwright-core';

export interface VirtualAuthenticatorOptions {
  protocol: 'ctap2' | 'u2f';
  transport: 'usb' | 'nfc' | 'ble' | 'internal' | 'hybrid';
  hasResidentKey: boolean;
  hasUserVerification: boolean;
  isUserVerified: boolean;
}

export interface ResponseOverrides {
  isBogusSignature?: boolean;
  isBadUV?: boolean;
  isBadUP?: boolean;
}

export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * An authenticator simulated by Chromium itself through the DevTools WebAuthn domain: the page's
 * navigator.credentials calls reach it as they would a real key or fingerprint sensor.
 */
export class VirtualAuthenticator {
  private constructor(
    private readonly cdp: CDPSession,
    readonly id: string,
  ) {}

  static async attach(page: Page, options: VirtualAuthenticatorOptions): Promise<VirtualAuthenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { ...options, automaticPresenceSimulation: true },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  /** Makes the authenticator's next answers lie: a wrong signature, or flags claiming no presence or verification. */
  async override(bits: ResponseOverrides): Promise<void> {
    await this.cdp.send('WebAuthn.setResponseOverrideBits', {
      authenticatorId: this.id,
      isBogusSignature: bits.isBogusSignature ?? false,
      isBadUV: bits.isBadUV ?? false,
      isBadUP: bits.isBadUP ?? false,
    });
  }

  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.id });
    return credentials as VirtualCredential[];
  }

  /** Puts a credential back with another signature counter, as a cloned key would answer. */
  async setSignCount(credential: VirtualCredential, signCount: number): Promise<void> {
    await this.cdp.send('WebAuthn.removeCredential', { authenticatorId: this.id, credentialId: credential.credentialId });
    await this.cdp.send('WebAuthn.addCredential', { authenticatorId: this.id, credential: { ...credential, signCount } });
  }

  /** Gives the authenticator a credential another one made, as a synced passkey arrives on a new device. */
  async addCredential(credential: VirtualCredential): Promise<void> {
    await this.cdp.send('WebAuthn.addCredential', { authenticatorId: this.id, credential });
  }

  async remove(): Promise<void> {
    await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.id });
  }
}

/** A USB security key without a PIN, as most people use them for a second factor. */
export const usbKey: VirtualAuthenticatorOptions = {
  protocol: 'ctap2',
  transport: 'usb',
  hasResidentKey: false,
  hasUserVerification: false,
  isUserVerified: false,
};

/** A platform authenticator with a fingerprint sensor (Touch ID, Windows Hello), which keeps passkeys. */
export const fingerprintSensor: VirtualAuthenticatorOptions = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
};

/** An old FIDO U2F key. */
export const u2fKey: VirtualAuthenticatorOptions = {
  protocol: 'u2f',
  transport: 'usb',
  hasResidentKey: false,
  hasUserVerification: false,
  isUserVerified: false,
};

import type { FastifyReply } from 'fastify';
import type { TesseraConfig } from '../config.js';
import type { AfterFirstFactor } from '../core/flows/after-first-factor.js';
import type { SignedIn } from '../core/flows/complete-sign-in.js';
import { clearCookie, setCookie } from './cookies.js';

/** Puts the outcome of a first factor into the browser: a session cookie or a pending cookie. */
export function applyFirstFactorOutcome(config: TesseraConfig, reply: FastifyReply, outcome: AfterFirstFactor): void {
  if (outcome.kind === 'signed_in') {
    applySignedIn(config, reply, outcome);
    return;
  }
  clearCookie(config, reply, 'session');
  setCookie(config, reply, 'pending', outcome.pendingToken, config.signIn.pendingMinutes * 60);
}

/** A new session replaces whatever the browser held, including a pending sign-in. */
export function applySignedIn(config: TesseraConfig, reply: FastifyReply, signedIn: SignedIn): void {
  clearCookie(config, reply, 'pending');
  setCookie(config, reply, 'session', signedIn.token);
}

export { acrValues, type AcrValue, meetsAcr } from './assurance.js';
export { type Refusal, refusalBody, wwwAuthenticate } from './challenge.js';
export { checkSession, checkStepUp, type GuardOutcome, type GuardedRequest, type Need } from './guards.js';
export type { DetailsOf, MiddlewareOptions, TesseraContext } from './adapter.js';
export {
  createTessera,
  detailsHash,
  type Grant,
  type Identity,
  type PendingSignIn,
  type Tessera,
  type TesseraOptions,
  TesseraRefused,
} from './tessera.js';
export * from './webhooks.js';
export { createPromptClient, type PromptClient, type PromptClientOptions, type PromptResult } from './prompt.js';

export { ResendClient, ResendError, type ResendClientOptions, type ResendDomain, type ResendDomainRecord, type ResendRegion } from './client.js';
export { orgResendKey, ResendKeyUnreadableError } from './keys.js';

export { ResendClient, ResendError, type ResendClientOptions, type ResendDomain, type ResendDomainRecord, type ResendRegion, type ResendEmail } from './client.js';
export { orgResendKey, ResendKeyUnreadableError } from './keys.js';

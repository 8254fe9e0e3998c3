/** Public API of SIP digest authentication (RFC 2617, RFC 7616; RFC 3261 §22). */
export {
  computeResponse,
  computeHa1,
  hashHex,
  formatNc,
  parseAlgorithm,
  algorithmRank,
  type DigestAlgorithm,
  type DigestQop,
  type DigestInput,
} from './compute.js';
export { parseAuthValues, serializeAuthValue, type AuthValue } from './params.js';
export {
  parseChallenges,
  selectChallenge,
  buildAuthorization,
  DigestClient,
  type DigestChallenge,
  type Credentials,
  type AuthorizeRequest,
  type AuthorizeOptions,
  type DigestAnswer,
} from './client.js';
export {
  createChallenge,
  parseCredentials,
  verifyAuthorization,
  DigestServer,
  type ChallengeOptions,
  type DigestCredentials,
  type VerifyOptions,
  type VerifyResult,
  type VerifyFailure,
  type PasswordLookup,
  type DigestServerOptions,
} from './server.js';

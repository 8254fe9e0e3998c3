/** Public API of the SIP message layer: model, parser, serializer, header parsers, framer, builders. */
export * from './types.js';
export {
  parseMessage,
  findHeaderEnd,
  MAX_MESSAGE_SIZE,
  type ParseResult,
  type ParseFailure,
  type ParseErrorCode,
  type ParseOptions,
  type PartialMessage,
} from './parse.js';
export { serializeMessage, serializeUri, serializeNameAddr, serializeVia, serializeParams, serializeStartLine } from './serialize.js';
export {
  parseUri,
  uriScheme,
  cloneUri,
  parseNameAddr,
  splitNameAddr,
  parseVia,
  parseCSeq,
  parseParams,
  scanParams,
  parseUnsigned,
  getTopVia,
  getVias,
  getCallId,
  getCSeq,
  getFrom,
  getTo,
  getContacts,
  getRoutes,
  getMaxForwards,
  getTag,
  getFromTag,
  getToTag,
  getContentType,
  MAX_CSEQ,
  type NameAddrParts,
} from './headers.js';
export { isAbsoluteUri, escapeUser, unescapeUser } from './uri.js';
export { escapeComponent, unescapeComponent, URI_COMPONENT, quote, unquote, splitTopLevel, isToken } from './scan.js';
export { generateBranch, generateTag, generateCallId, isRfc3261Branch, BRANCH_COOKIE } from './ids.js';
export { SipStreamFramer, type FramerEvent } from './framer.js';
export { createRequest, createResponse, reasonPhrase, canRespond, type RequestInit, type ResponseOptions } from './build.js';

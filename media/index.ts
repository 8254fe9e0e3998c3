/**
 * Public entry of the media plane (`src/` imports only this file). The media plane is a library:
 * it knows nothing of databases, HTTP or tenants, and never imports `src/` or `sip/`.
 */
export { MediaPool, MediaStartError } from './pool.js';
export type { MediaPoolOptions, PoolEvents, PoolHealth, WorkerExit, CallStartRequest, CallMessage } from './pool.js';
export * from './protocol.js';
export { PortAllocator, PortsExhaustedError, InvalidPortRangeError, splitPortRange, evenPortsIn } from './ports.js';
export type { PortRange, PortPair, PortAllocatorOptions, PortAllocatorStats, PortReuseOptions } from './ports.js';
export type { WorkerHealth } from './worker/control.js';
export type { ClockStats } from './clock/media-clock.js';
export type { HistogramSnapshot } from './clock/histogram.js';
export type {
  AgentAudioFormat,
  AudioFormat,
  CallLogic,
  CallLogicFactory,
  CallLogicResult,
  CallMedia,
  CallStart,
  CallerAudioInfo,
  ItemPlayed,
  WorkerHost,
} from './call/types.js';
export { createEchoLogic } from './call/echo-logic.js';
export { localDirectionFor } from './rtp/session.js';
export {
  agentLogicModule,
  createAgentLogic,
  parseAgentConfig,
  AgentConfigError,
  AgentStartError,
  AGENT_PROVIDERS,
  END_CALL_TOOL,
  TRANSFER_CALL_TOOL,
  SILENCE_DEFAULTS,
  TURN_TAKING_DEFAULTS,
  LOCAL_VOICES,
  DEFAULT_LOCAL_VOICE,
  percentiles,
  PROVIDER_ERROR_REASON,
  VOICEMAIL_INDICATORS,
  findVoicemailIndicator,
  isAnnouncement,
} from './agent/index.js';
export type {
  AgentFunctionTool,
  AgentLogicDeps,
  AgentLogicOptions,
  AgentMode,
  AgentProvider,
  AgentSttConfig,
  AgentTtsConfig,
  LocalVoice,
  TurnTakingConfig,
  AgentRuntimeConfig,
  AgentSilenceConfig,
  AgentTool,
  AgentTransferDestination,
  AgentTurnDetection,
  AgentVoicemailConfig,
  Announcement,
  AnnouncementConfig,
  ProviderFault,
} from './agent/index.js';
export { regionOfNumber, type ToneRegion } from './playout/tones.js';
// For tools that speak RTP themselves (`voxgate call`): the packet format, G.711 and WAV headers.
export { createRtpHeader, parseRtp, writeRtpHeader, type RtpHeader } from './rtp/packet.js';
export { ulawEncode, ulawDecode, alawEncode, alawDecode, ulawEnergyDbfs, alawEnergyDbfs, ULAW_SILENCE, ALAW_SILENCE } from './codecs/g711.js';
export { writeWavHeader, readWavHeader, WAV_HEADER_SIZE } from './recording/wav.js';

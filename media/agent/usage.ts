/**
 * What a call used, for `call.ended.usage` (flat numeric counters): token usage summed over the
 * model's responses (research/sip-media.md §4.7; cached tokens are a subset of input tokens),
 * responses and barge-ins counted, plus the session's audio counters and latency figures.
 */
import type { RealtimeSessionStats, RealtimeUsage } from '../providers/index.js';
import type { LatencyFigures } from './latency.js';

export class UsageMeter {
  private readonly tokens = {
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    inputTextTokens: 0,
    inputAudioTokens: 0,
    inputCachedTokens: 0,
    outputTextTokens: 0,
    outputAudioTokens: 0,
  };
  responses = 0;
  responsesWithUsage = 0;
  bargeIns = 0;

  addResponse(usage: RealtimeUsage | undefined): void {
    this.responses++;
    if (!usage) return;
    this.responsesWithUsage++;
    const t = this.tokens;
    t.inputTokens += usage.inputTokens ?? 0;
    t.outputTokens += usage.outputTokens ?? 0;
    t.totalTokens += usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
    t.inputTextTokens += usage.inputTokenDetails?.textTokens ?? 0;
    t.inputAudioTokens += usage.inputTokenDetails?.audioTokens ?? 0;
    t.inputCachedTokens += usage.inputTokenDetails?.cachedTokens ?? 0;
    t.outputTextTokens += usage.outputTokenDetails?.textTokens ?? 0;
    t.outputAudioTokens += usage.outputTokenDetails?.audioTokens ?? 0;
  }

  summary(extra: {
    toolCalls: number;
    silencePrompts: number;
    session: RealtimeSessionStats | null;
    latency: LatencyFigures;
    interruptedAudioBytesDropped: number;
    /** The engine's own counters (pipeline stages). */
    engine?: Record<string, number>;
  }): Record<string, number> {
    const s = extra.session;
    return {
      ...this.tokens,
      responses: this.responses,
      responsesWithUsage: this.responsesWithUsage,
      bargeIns: this.bargeIns,
      toolCalls: extra.toolCalls,
      silencePrompts: extra.silencePrompts,
      providerAudioBytesSent: s?.audioBytesSent ?? 0,
      providerAudioBytesDropped: s?.audioBytesDropped ?? 0,
      providerAudioBytesReceived: s?.audioBytesReceived ?? 0,
      interruptedAudioBytesDropped: extra.interruptedAudioBytesDropped,
      ...extra.latency,
      ...extra.engine,
    };
  }
}

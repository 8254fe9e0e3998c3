/**
 * Deepgram live transcription (`/v1/listen` over WebSocket), the wire as documented
 * (research/pipeline.md §2.1; developers.deepgram.com keep-alive, finalize, close-stream,
 * endpointing, utterance-end, speech-started; deepgram-js-sdk `LiveTranscriptionEvent`).
 * Client → server: binary frames of raw audio, and text control messages. Server → client: JSON.
 */

/** Control messages (must be sent as text frames). */
export const KEEP_ALIVE = '{"type":"KeepAlive"}';
export const FINALIZE = '{"type":"Finalize"}';
export const CLOSE_STREAM = '{"type":"CloseStream"}';

export interface WordWire {
  word: string;
  start: number;
  end: number;
  confidence: number;
  punctuated_word?: string;
}

export interface ResultsWire {
  type: 'Results';
  channel_index?: number[];
  duration: number;
  start: number;
  is_final: boolean;
  speech_final: boolean;
  from_finalize?: boolean;
  channel: { alternatives: Array<{ transcript: string; confidence: number; words?: WordWire[] }> };
}

export interface SpeechStartedWire {
  type: 'SpeechStarted';
  channel?: number[];
  timestamp: number;
}

export interface UtteranceEndWire {
  type: 'UtteranceEnd';
  channel?: number[];
  last_word_end: number;
}

export interface MetadataWire {
  type: 'Metadata';
  request_id?: string;
  duration?: number;
  channels?: number;
}

export type ServerMessageWire = ResultsWire | SpeechStartedWire | UtteranceEndWire | MetadataWire | { type: string };

/** `encoding` values for the audio we pass through untouched. */
export type DeepgramEncoding = 'mulaw' | 'alaw' | 'linear16';

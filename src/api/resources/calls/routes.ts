/**
 * /calls (flireo-api B §3.5): list and get, plus the recording download. Outbound calls and call
 * control are registered by their own modules.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { notFound } from '../../errors.js';
import type { ApiPlugin } from '../../plugin.js';
import { IdParams, Type } from '../../schemas.js';
import { callAnalyzeRoutes } from './analyze.js';
import { Call, CallList, ListCallsQuery } from './schema.js';
import { getCall, listCalls, recordingFile, type RecordingUrl } from './service.js';

const tags = ['calls'];

/** Absolute, from the address the client used to reach us. */
function recordingUrlFor(request: FastifyRequest): RecordingUrl {
  const base = `${request.protocol}://${request.host}`;
  return (id) => `${base}/api/v1/calls/${id}/recording`;
}

export const callRoutes: ApiPlugin = async (app) => {
  const { db, config } = app.deps;
  await app.register(callAnalyzeRoutes);

  app.get(
    '/calls',
    {
      schema: {
        tags,
        summary: 'List calls, newest first',
        querystring: ListCallsQuery,
        response: { 200: CallList },
      },
    },
    async (request) => listCalls(db, request.org.id, request.query, recordingUrlFor(request)),
  );

  app.get(
    '/calls/:id',
    {
      schema: {
        tags,
        summary: 'Get a call with its transcript and analysis (bare object)',
        params: IdParams,
        response: { 200: Call },
      },
    },
    async (request) => getCall(db, request.org.id, request.params.id, recordingUrlFor(request)),
  );

  app.get(
    '/calls/:id/recording',
    {
      schema: {
        tags,
        summary: 'Download the call recording (stereo WAV: caller left, agent right)',
        params: IdParams,
        response: {
          200: {
            description: 'The WAV file',
            content: { 'audio/wav': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) } },
          },
        },
      },
    },
    async (request, reply) => {
      const path = await recordingFile(db, request.org.id, request.params.id, config.dataDir);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) throw notFound('recording');
      return reply
        .type('audio/wav')
        .header('content-length', info.size)
        .header('content-disposition', `attachment; filename="${request.params.id}.wav"`)
        .send(createReadStream(path));
    },
  );
};

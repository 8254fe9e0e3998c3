/**
 * The chat-completions fake against the real `openai` v6 client and raw HTTP: it must answer and
 * refuse like the vendors, so code tested against it means something against the real APIs.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeChatCompletions, lastUserContains, type ChatStyle } from './chat-completions.js';

interface Fragment {
  index?: number;
  id?: string;
  type?: string;
  function: { name?: string; arguments: string };
}

interface Chunk {
  object: string;
  choices: Array<{ index: number; delta: { role?: string; content?: string; reasoning_content?: string; tool_calls?: Fragment[] }; finish_reason?: string | null }>;
  usage?: { total_tokens: number } | null;
}

interface RawAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function post(fake: FakeChatCompletions, body: unknown, key = fake.apiKey): Promise<RawAnswer> {
  const res = await fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

/** The `data:` payloads of an SSE answer, `[DONE]` included. */
async function sse(fake: FakeChatCompletions, body: Record<string, unknown>): Promise<Array<Chunk | '[DONE]'>> {
  const res = await fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.apiKey}` },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6))
    .map((data) => (data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as Chunk)));
}

const USER = [{ role: 'user', content: 'What is the weather in Utrecht and Delft?' }];
const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

describe('chat-completions fake (openai style)', () => {
  let fake: FakeChatCompletions;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await FakeChatCompletions.start();
    client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0, timeout: 5_000 });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('answers a non-streamed request with a chat.completion and usage, and records what it was asked', async () => {
    fake.enqueue({ content: 'Het is zonnig.' });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      messages: [{ role: 'system', content: 'Be brief.' }, ...USER] as OpenAI.ChatCompletionMessageParam[],
      response_format: { type: 'text' },
    });
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0].message).toMatchObject({ role: 'assistant', content: 'Het is zonnig.' });
    expect(answer.choices[0].finish_reason).toBe('stop');
    expect(answer.usage?.total_tokens).toBe((answer.usage?.prompt_tokens ?? 0) + (answer.usage?.completion_tokens ?? 0));
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    const [seen] = fake.requests;
    expect(seen).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, stream: false, responseFormat: { type: 'text' } });
    expect(seen.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('refuses a wrong or missing key with 401 and the error JSON shape', async () => {
    const wrong = await post(fake, { model: 'gpt-4o-mini', messages: USER }, 'sk-wrong-key');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: { message: expect.stringContaining('Incorrect API key provided: sk-w***ey'), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const missing = await post(fake, { model: 'gpt-4o-mini', messages: USER }, '');
    expect(missing.status).toBe(401);
    const viaSdk = new OpenAI({ apiKey: 'sk-wrong-key', baseURL: fake.baseUrl, maxRetries: 0 });
    await expect(viaSdk.chat.completions.create({ model: 'gpt-4o-mini', messages: USER as OpenAI.ChatCompletionMessageParam[] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('streams text as SSE chunks, with a final usage chunk only when include_usage is asked for', async () => {
    fake.setDefault({ content: 'Morgen regent het in Utrecht.' });
    const withUsage = await sse(fake, { model: 'gpt-4o-mini', messages: USER, stream_options: { include_usage: true } });
    expect(withUsage[withUsage.length - 1]).toBe('[DONE]');
    const chunks = withUsage.slice(0, -1) as Array<Chunk>;
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Morgen regent het in Utrecht.');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
    const without = (await sse(fake, { model: 'gpt-4o-mini', messages: USER })).slice(0, -1) as Array<Chunk>;
    expect(without.some((c) => c.usage)).toBe(false);
    expect(without[without.length - 1].choices[0].finish_reason).toBe('stop');
  });

  it('streams through the SDK: text deltas in order, usage at the end', async () => {
    fake.enqueue({ content: 'One two three four.', chunkDelayMs: 5 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: USER as OpenAI.ChatCompletionMessageParam[], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('One two three four.');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('answers by script: one-shot steps first, then rules on the request, then the default', async () => {
    fake.when(lastUserContains('opening hours'), { content: 'We open at nine.' });
    fake.when((req) => req.tools !== undefined, (req) => ({ toolCalls: [{ name: req.tools![0].function.name, arguments: { city: 'Delft' } }] }));
    fake.enqueue({ content: 'First, a one-shot answer.' });
    const ask = async (content: string, tools?: unknown[]): Promise<OpenAI.ChatCompletion> =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...(tools ? { tools: tools as OpenAI.ChatCompletionTool[] } : {}) });
    expect((await ask('What are your opening hours?')).choices[0].message.content).toBe('First, a one-shot answer.');
    expect((await ask('What are your opening hours?')).choices[0].message.content).toBe('We open at nine.');
    const withTool = await ask('Weather?', [WEATHER_TOOL]);
    expect(withTool.choices[0].finish_reason).toBe('tool_calls');
    expect(withTool.choices[0].message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Delft"}' } });
    expect((await ask('Something else')).choices[0].message.content).toBe('This is a scripted reply.');
  });

  it('waits the first-token delay before the first chunk and the chunk delay between chunks', async () => {
    fake.enqueue({ content: 'a b c d', firstTokenDelayMs: 150, chunkDelayMs: 30 });
    const started = performance.now();
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: USER as OpenAI.ChatCompletionMessageParam[], stream: true });
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) arrivals.push(performance.now() - started);
    expect(arrivals[0]).toBeGreaterThanOrEqual(140);
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(3 * 30 - 15);
  });

  it('streams OpenAI tool calls as fragments keyed by index, id and name only in the first one', async () => {
    fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Utrecht' } }, { name: 'get_weather', arguments: { city: 'Delft' } }] });
    const chunks = (await sse(fake, { model: 'gpt-4o-mini', messages: USER, tools: [WEATHER_TOOL] })).slice(0, -1) as Array<Chunk>;
    const fragments = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(new Set(fragments.map((f) => f.index))).toEqual(new Set([0, 1]));
    for (const index of [0, 1]) {
      const mine = fragments.filter((f) => f.index === index);
      expect(mine[0]).toMatchObject({ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '' } });
      expect(mine.slice(1).every((f) => f.id === undefined && f.function.name === undefined)).toBe(true);
      expect(mine.length).toBeGreaterThan(2);
    }
    expect(JSON.parse(fragments.filter((f) => f.index === 1).map((f) => f.function.arguments).join(''))).toEqual({ city: 'Delft' });
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
  });

  it('assembles streamed tool calls in the SDK stream helper', async () => {
    fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Utrecht' } }] });
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: USER as OpenAI.ChatCompletionMessageParam[], tools: [WEATHER_TOOL as OpenAI.ChatCompletionTool] });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Utrecht' });
  });

  it('honours json_schema with strict schemas and refuses strict schemas OpenAI would refuse', async () => {
    const schema = { type: 'object', properties: { sentiment: { type: 'integer' } }, required: ['sentiment'], additionalProperties: false };
    fake.enqueue({ json: { sentiment: 8 } });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: USER as OpenAI.ChatCompletionMessageParam[],
      response_format: { type: 'json_schema', json_schema: { name: 'analysis', schema, strict: true } },
    });
    expect(JSON.parse(answer.choices[0].message.content ?? '')).toEqual({ sentiment: 8 });
    expect(fake.requests[0].responseFormat).toMatchObject({ type: 'json_schema', json_schema: { name: 'analysis', strict: true } });

    const open = await post(fake, { model: 'gpt-4o-mini', messages: USER, response_format: { type: 'json_schema', json_schema: { name: 'analysis', strict: true, schema: { ...schema, additionalProperties: undefined } } } });
    expect(open.status).toBe(400);
    expect((open.json.error as { message: string }).message).toContain("'additionalProperties' is required to be supplied and to be false");
    const optional = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const partial = await post(fake, { model: 'gpt-4o-mini', messages: USER, response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: optional } } });
    expect((partial.json.error as { message: string }).message).toContain("Missing 'b'");
  });

  it('refuses JSON mode when no message mentions JSON, and accepts it when one does', async () => {
    const refused = await post(fake, { model: 'gpt-4o-mini', messages: USER, response_format: { type: 'json_object' } });
    expect(refused.status).toBe(400);
    expect((refused.json.error as { param: string }).param).toBe('messages');
    fake.enqueue({ json: { ok: true } });
    const ok = await post(fake, { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Answer in JSON.' }, ...USER], response_format: { type: 'json_object' } });
    expect(ok.status).toBe(200);
  });

  it('answers a forced tool call with the tool, finish_reason "stop" as OpenAI does for a named tool_choice', async () => {
    fake.enqueue({ json: { sentiment: 3 } });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: USER as OpenAI.ChatCompletionMessageParam[],
      tools: [{ type: 'function', function: { name: 'record_analysis', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'record_analysis' } },
    });
    const call = answer.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('record_analysis');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ sentiment: 3 });
    expect(answer.choices[0].finish_reason).toBe('stop');
    const unknown = await post(fake, { model: 'gpt-4o-mini', messages: USER, tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'nope' } } });
    expect(unknown.status).toBe(400);
  });

  it('gives invalid JSON for the first N requests when scripted, then valid JSON', async () => {
    fake.repeat(2, { content: '{"sentiment": 8' }).setDefault({ json: { sentiment: 8 } });
    const contents: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'json please' }], response_format: { type: 'json_object' } });
      contents.push(answer.choices[0].message.content ?? '');
    }
    expect(() => JSON.parse(contents[0])).toThrow();
    expect(() => JSON.parse(contents[1])).toThrow();
    expect(JSON.parse(contents[2])).toEqual({ sentiment: 8 });
  });

  it('fails on demand with 5xx and 429 (Retry-After) in the vendor error shape', async () => {
    fake.enqueue({ fail: 'status', status: 503 }, { fail: 'status', status: 429, retryAfterSeconds: 7 });
    const down = await post(fake, { model: 'gpt-4o-mini', messages: USER });
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ error: { type: 'server_error' } });
    const limited = await post(fake, { model: 'gpt-4o-mini', messages: USER });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.json).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });

  it('hangs on demand: the client deadline fires and the fake sees the client give up', async () => {
    fake.enqueue({ fail: 'hang' });
    const impatient = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseUrl, maxRetries: 0, timeout: 200 });
    await expect(impatient.chat.completions.create({ model: 'gpt-4o-mini', messages: USER as OpenAI.ChatCompletionMessageParam[] })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await fake.waitFor(() => fake.requests[0]?.aborted === true, 2_000, 'the abort');
    expect(fake.requests[0].outcome).toBe('hang');
  });

  it('drops a stream mid-way: the SDK stream errors after the first chunks', async () => {
    fake.enqueue({ fail: 'drop', afterChunks: 3 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: USER as OpenAI.ChatCompletionMessageParam[], stream: true });
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })(),
    ).rejects.toThrow();
    expect(text.length).toBeGreaterThan(0);
    expect(fake.requests[0].outcome).toBe('dropped');
  });

  it('refuses bodies OpenAI refuses: missing messages or model, unknown role, tool messages out of place', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: 'gpt-4o-mini' }, "Missing required parameter: 'messages'."],
      [{ messages: USER }, 'you must provide a model parameter'],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'hi' }] }, "Invalid value: 'robot'."],
      [{ model: 'gpt-4o-mini', messages: [...USER, { role: 'tool', content: '{}' }] }, "'messages[1].tool_call_id'"],
      [{ model: 'gpt-4o-mini', messages: [...USER, { role: 'tool', tool_call_id: 'call_1', content: '{}' }] }, "must be a response to a preceeding message with 'tool_calls'"],
      [
        { model: 'gpt-4o-mini', messages: [...USER, { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }, { role: 'user', content: 'hello?' }] },
        'did not have response messages: call_1',
      ],
      [{ model: 'gpt-4o-mini', messages: USER, stream_options: { include_usage: true } }, "only allowed when 'stream' is enabled"],
    ];
    for (const [body, message] of cases) {
      const answer = await post(fake, body);
      expect(answer.status, message).toBe(400);
      expect((answer.json.error as { message: string }).message).toContain(message);
    }
    const paired = await post(fake, {
      model: 'gpt-4o-mini',
      messages: [...USER, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }],
    });
    expect(paired.status).toBe(200);
  });

  it('lists models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
  });
});

describe('chat-completions fake (mistral style)', () => {
  let fake: FakeChatCompletions;
  beforeAll(async () => {
    fake = await FakeChatCompletions.start({ style: 'mistral' });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('streams each tool call whole, without index, with a 9-character id, and usage on the last chunk', async () => {
    fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Utrecht' } }, { name: 'get_weather', arguments: { city: 'Delft' } }] });
    const chunks = (await sse(fake, { model: 'mistral-small-latest', messages: USER, tools: [WEATHER_TOOL] })).slice(0, -1) as Array<Chunk>;
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.index).toBeUndefined();
      expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
      expect(() => JSON.parse(call.function.arguments)).not.toThrow();
    }
    const last = chunks[chunks.length - 1];
    expect(last.choices[0].finish_reason).toBe('tool_calls');
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('refuses tool-call ids that are not 9 alphanumerics, as Mistral does', async () => {
    const answer = await post(fake, {
      model: 'mistral-small-latest',
      messages: [...USER, { role: 'assistant', content: '', tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'call_abc123', content: 'sunny' }],
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ object: 'error', message: 'Tool call id was call_abc123 but must be a-z, A-Z, 0-9, with a length of 9.' });
  });

  it('refuses Mistral message-order violations and accepts the right order', async () => {
    const call = { role: 'assistant', content: '', tool_calls: [{ id: 'Ab3dE6gH9', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] };
    const result = { role: 'tool', tool_call_id: 'Ab3dE6gH9', name: 'get_weather', content: 'sunny' };
    const userAfterCall = await post(fake, { model: 'mistral-small-latest', messages: [...USER, call, { role: 'user', content: 'and?' }] });
    expect(userAfterCall.status).toBe(400);
    expect(userAfterCall.json).toMatchObject({ type: 'invalid_request_message_order', code: '3230' });
    const userAfterTool = await post(fake, { model: 'mistral-small-latest', messages: [...USER, call, result, { role: 'user', content: 'and?' }] });
    expect(userAfterTool.json).toMatchObject({ message: "Unexpected role 'user' after role 'tool'" });
    const endsOnAssistant = await post(fake, { model: 'mistral-small-latest', messages: [...USER, { role: 'assistant', content: 'Hi' }] });
    expect(endsOnAssistant.json.message).toContain('Expected last role User or Tool');
    const toolWithoutId = await post(fake, { model: 'mistral-small-latest', messages: [...USER, call, { role: 'tool', content: 'sunny' }] });
    expect(toolWithoutId.status).toBe(400);
    const good = await post(fake, { model: 'mistral-small-latest', messages: [...USER, call, result, { role: 'assistant', content: 'It is sunny.' }, { role: 'user', content: 'Thanks' }] });
    expect(good.status).toBe(200);
  });

  it('refuses unknown fields (stream_options) and roles with 422, and a wrong key with its 401 body', async () => {
    const extra = await post(fake, { model: 'mistral-small-latest', messages: USER, stream: true, stream_options: { include_usage: true } });
    expect(extra.status).toBe(422);
    expect(extra.json).toMatchObject({ message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'stream_options'] }] } });
    const role = await post(fake, { model: 'mistral-small-latest', messages: [{ role: 'developer', content: 'x' }] });
    expect(role.status).toBe(422);
    const unauthorized = await post(fake, { model: 'mistral-small-latest', messages: USER }, 'wrong');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.json).toMatchObject({ message: 'Unauthorized' });
  });

  it('reports tool calls as finish_reason tool_calls for tool_choice "any"', async () => {
    fake.enqueue({ json: { sentiment: 5 } });
    const answer = await post(fake, { model: 'mistral-small-latest', messages: USER, tools: [WEATHER_TOOL], tool_choice: 'any' });
    const choice = (answer.json.choices as Array<{ finish_reason: string; message: { tool_calls: Fragment[] } }>)[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(JSON.parse(choice.message.tool_calls[0].function.arguments)).toEqual({ sentiment: 5 });
  });
});

describe('chat-completions fake (xai style)', () => {
  let fake: FakeChatCompletions;
  beforeAll(async () => {
    fake = await FakeChatCompletions.start({ style: 'xai', keepAliveMs: 20 });
  });
  afterAll(() => fake.close());

  it('streams reasoning_content, empty keep-alive chunks and whole tool calls with index', async () => {
    fake.enqueue({ reasoning: 'The user wants weather.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Delft' } }], firstTokenDelayMs: 70 });
    const chunks = (await sse(fake, { model: 'grok-3-mini', messages: USER, tools: [WEATHER_TOOL], stream_options: { include_usage: true } })).slice(0, -1) as Array<Chunk>;
    expect(chunks.filter((c) => c.choices[0] && Object.keys(c.choices[0].delta).length === 0 && !c.choices[0].finish_reason).length).toBeGreaterThanOrEqual(2);
    expect(chunks.map((c) => c.choices[0]?.delta?.reasoning_content ?? '').join('')).toBe('The user wants weather.');
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_\d+$/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Delft"}' } }]);
    expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
  });

  it('answers a wrong key with 400 and a missing one with 401, in xAI\'s {code, error} shape', async () => {
    const wrong = await post(fake, { model: 'grok-3-mini', messages: USER }, 'xai-wrong-key');
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual({ code: 'Client specified an invalid argument', error: expect.stringContaining('Incorrect API key provided') });
    expect((await post(fake, { model: 'grok-3-mini', messages: USER }, '')).status).toBe(401);
  });
});

describe('one accumulator for the three tool-call styles', () => {
  /** Key by index when present, else by id, else a new call per complete fragment (research §2.4). */
  function accumulate(chunks: Array<Chunk>): Array<{ name: string; arguments: string }> {
    const calls = new Map<string, { name: string; arguments: string }>();
    let lastKey = '';
    for (const c of chunks) {
      for (const f of c.choices?.[0]?.delta?.tool_calls ?? []) {
        const key = f.index !== undefined ? `i${f.index}` : f.id !== undefined ? `id${f.id}` : lastKey;
        const call = calls.get(key) ?? { name: '', arguments: '' };
        call.name ||= f.function?.name ?? '';
        call.arguments += f.function?.arguments ?? '';
        calls.set(key, call);
        lastKey = key;
      }
    }
    return [...calls.values()];
  }

  for (const style of ['openai', 'mistral', 'xai'] as ChatStyle[]) {
    it(`reads two parallel calls in the ${style} style`, async () => {
      const fake = await FakeChatCompletions.start({ style });
      try {
        fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Utrecht' } }, { name: 'get_time', arguments: { tz: 'CET' } }] });
        const chunks = (await sse(fake, { model: 'm', messages: USER, tools: [WEATHER_TOOL, { type: 'function', function: { name: 'get_time' } }] })).slice(0, -1) as Array<Chunk>;
        expect(accumulate(chunks).map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
          ['get_weather', { city: 'Utrecht' }],
          ['get_time', { tz: 'CET' }],
        ]);
      } finally {
        await fake.close();
      }
    });
  }
});

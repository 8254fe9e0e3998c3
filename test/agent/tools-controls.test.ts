/**
 * Tools and call control through the agent runtime: custom tools and transfer_call go to the
 * main thread and their results back to the model; end_call, `say`, `inject-context` and
 * `end-call` end or steer the call, hanging up only after the last words were heard.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentHarness, FLAVOURS, LOOKUP_TOOL, OPENAI, speakingScript, until, type Flavour } from './helpers/harness.js';

let harness: AgentHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

async function withTool(flavour: Flavour, toolCall: { name: string; arguments: string | Record<string, unknown> }, extra = {}): Promise<AgentHarness> {
  harness = await AgentHarness.start(flavour, {
    config: { tools: [LOOKUP_TOOL, { type: 'transferCall', destinations: [{ destination: '+31850835037', description: 'sales' }] }], ...extra },
    server: { script: speakingScript({ turns: [{ transcript: 'Who is Jan?', reply: { toolCall } }] }) },
  });
  harness.answer();
  harness.say();
  return harness;
}

describe.each(FLAVOURS)('$provider tools', (flavour) => {
  it('sends a custom tool call to the main thread and its result back to the model, which goes on', async () => {
    const h = await withTool(flavour, { name: 'lookup_contact', arguments: { query: 'Jan' } });
    await until(() => h.host.toolCalls.length === 1, 5000, 'tool call');
    const call = h.host.toolCalls[0];
    expect(call).toMatchObject({ name: 'lookup_contact', arguments: { query: 'Jan' } });

    h.logic.toolResult?.(call.toolCallId, { name: 'Jan de Vries', phone: '+31612345678' });
    const output = await h.server.waitFor('conversation.item.create', { predicate: (e) => (e.event.item as { type: string }).type === 'function_call_output' });
    expect(output.event.item).toMatchObject({ call_id: call.toolCallId, output: JSON.stringify({ name: 'Jan de Vries', phone: '+31612345678' }) });
    const create = await h.server.waitFor('response.create', { from: h.server.events.indexOf(output) });
    expect(create.event.response).toBeUndefined();
    await h.agentTurns(1);
    expect(h.finalTurns('assistant')[0]).toContain('Jan de Vries');
  });

  it('passes string results as they are and errors as {"error": …}', async () => {
    const h = await withTool(flavour, { name: 'lookup_contact', arguments: { query: 'Piet' } });
    await until(() => h.host.toolCalls.length === 1);
    h.logic.toolResult?.(h.host.toolCalls[0].toolCallId, undefined, 'Contact niet gevonden');
    const output = await h.server.waitFor('conversation.item.create', { predicate: (e) => (e.event.item as { type: string }).type === 'function_call_output' });
    expect((output.event.item as { output: string }).output).toBe('{"error":"Contact niet gevonden"}');
    // A second answer for the same call is ignored.
    h.logic.toolResult?.(h.host.toolCalls[0].toolCallId, 'late');
    await h.agentTurns(1);
    expect(h.clientCount('conversation.item.create')).toBe(1);
  });

  it('answers a call whose arguments do not parse locally with an error, without the main thread', async () => {
    const h = await withTool(flavour, { name: 'lookup_contact', arguments: '{"query": "Jan"' });
    const output = await h.server.waitFor('conversation.item.create');
    expect(JSON.parse((output.event.item as { output: string }).output).error).toMatch(/not valid JSON/);
    await h.server.waitFor('response.create');
    expect(h.host.toolCalls).toHaveLength(0);
  });

  it('sends transfer_call to the main thread', async () => {
    const h = await withTool(flavour, { name: 'transfer_call', arguments: { destination: '+31850835037' } });
    await until(() => h.host.toolCalls.length === 1);
    expect(h.host.toolCalls[0]).toMatchObject({ name: 'transfer_call', arguments: { destination: '+31850835037' } });
    const update = await h.server.waitFor('session.update');
    const tools = (update.event.session as { tools: Array<{ name: string; parameters: { properties: { destination?: { enum: string[] } } } }> }).tools;
    expect(tools.map((t) => t.name)).toEqual(['lookup_contact', 'transfer_call']);
    expect(tools[1].parameters.properties.destination?.enum).toEqual(['+31850835037']);
  });

  it('end_call: waits for the goodbye to be heard, then requests hang-up agent-hangup', async () => {
    harness = await AgentHarness.start(flavour, {
      config: { tools: [{ type: 'endCall' }], endCallMessage: 'Thank you for calling, goodbye!' },
      server: { script: speakingScript({ defaultReply: { toolCall: { name: 'end_call', arguments: {} } } }) },
    });
    const h = harness;
    h.answer();
    h.logic.control?.({ kind: 'inject-context', content: 'The caller is done.', triggerResponse: true });
    // The model called end_call without speaking: the agent's end-call message is said first.
    const say = await h.server.waitFor('response.create', { predicate: (e) => JSON.stringify(e.event).includes('Thank you for calling') });
    expect(say).toBeDefined();
    await h.agentTurns(1);
    await until(() => h.queuedBytes() === h.streamedBytes());
    h.media.play(20);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.host.hangups).toHaveLength(0);
    h.media.playAll();
    await until(() => h.host.hangups.length === 1, 5000, 'hang-up');
    expect(h.host.hangups[0]).toEqual({ type: 'call.hangup-request', reason: 'agent-hangup' });
  });
});

describe('end_call after a spoken goodbye', () => {
  it('hangs up once the audio still queued has played', async () => {
    harness = await AgentHarness.start(OPENAI, {
      config: { tools: [{ type: 'endCall' }] },
      server: { script: speakingScript({ defaultReply: { toolCall: { name: 'end_call', arguments: {} } } }) },
    });
    const h = harness;
    h.answer();
    h.logic.control?.({ kind: 'say', content: 'Goodbye then!', endAfter: false });
    h.logic.control?.({ kind: 'inject-context', content: 'End the call.', triggerResponse: true });
    await until(() => h.clientCount('response.create') === 2, 5000, 'two responses');
    await until(() => h.serverCount('response.done') === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.host.hangups).toHaveLength(0);
    expect(h.media.queuedAgentMs).toBe(600);
    h.media.playAll();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0].reason).toBe('agent-hangup');
    expect(h.media.playedMs).toBe(600);
  });
});

describe.each(FLAVOURS)('$provider controls', (flavour) => {
  it('say speaks the text; endAfter hangs up after it was heard', async () => {
    harness = await AgentHarness.start(flavour);
    const h = harness;
    h.answer();
    h.logic.control?.({ kind: 'say', content: 'Your code is 1234.', endAfter: true });
    await h.agentTurns(1);
    expect(h.finalTurns('assistant')).toEqual(['Your code is 1234.']);
    await until(() => h.queuedBytes() === h.streamedBytes());
    expect(h.host.hangups).toHaveLength(0);
    h.media.playAll();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0].reason).toBe('end-call');
  });

  it('inject-context adds a message, and answers only when asked to', async () => {
    harness = await AgentHarness.start(flavour);
    const h = harness;
    h.answer();
    h.logic.control?.({ kind: 'inject-context', content: 'The SMS code is 4711.', triggerResponse: false });
    await h.server.waitFor('conversation.item.create');
    expect(h.server.connection()?.contextMessages).toEqual([{ role: 'system', text: 'The SMS code is 4711.' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.clientCount('response.create')).toBe(0);
    h.logic.control?.({ kind: 'inject-context', content: 'The customer is a VIP.', triggerResponse: true });
    await h.server.waitFor('response.create');
    await h.agentTurns(1);
  });

  it('end-call without a message hangs up at once; with one, after it was heard', async () => {
    harness = await AgentHarness.start(flavour);
    harness.answer();
    harness.logic.control?.({ kind: 'end-call' });
    expect(harness.host.hangups).toEqual([{ type: 'call.hangup-request', reason: 'end-call' }]);
    await harness.close();

    harness = await AgentHarness.start(flavour);
    const h = harness;
    h.answer();
    h.logic.control?.({ kind: 'end-call', message: 'We are closing now, goodbye.' });
    await h.agentTurns(1);
    await until(() => h.queuedBytes() === h.streamedBytes());
    expect(h.host.hangups).toHaveLength(0);
    // Controls after the goodbye started change nothing.
    h.logic.control?.({ kind: 'say', content: 'Another thing', endAfter: false });
    h.media.playAll();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0].reason).toBe('end-call');
    expect(h.clientCount('response.create')).toBe(1);
  });
});

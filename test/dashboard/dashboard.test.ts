/**
 * The web dashboard in a real browser (Debian's Chromium, headless) against the whole engine:
 * log in, watch a call appear, talk and end, hang up a call with the button, open a call page
 * with its transcript, tools, waterfall, playable recording and webhooks, filter the history,
 * and see every organization with the admin key. Screenshots of the main pages go to docs/
 * when UPDATE_SCREENSHOTS=1 (else to a temporary folder).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { TEST_ADMIN_KEY } from '../helpers/index.js';
import type { TestEngine } from '../call/engine.js';
import { callRow, eventually, hungUpByEngine, latestCall, voiced, waitForQuiet } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';
import { pipelineAgent, startPipelineEngine, type PipelineFakes } from '../call/pipeline-helpers.js';
import { launchChromium } from './browser.js';
import { buildDashboard } from './build.js';

const NUMBER = '+31850835200';
const CALLER = '+31612340002';
const SECOND_CALLER = '+31612340003';
const GREETING =
  'Welcome to the furniture shop of the town. We sell chairs, tables, lamps and sofas in many colours and sizes. ' +
  'Our opening hours are nine to five on weekdays and ten to four on Saturdays. Ask me anything you like about our products.';
const STOCK_TOOL = { name: 'check_stock', description: 'Checks stock', parameters: { type: 'object', properties: { sku: { type: 'string' } } } };
const UPDATING = process.env.UPDATE_SCREENSHOTS === '1';
/** Screenshots and the render figures are committed only from a run with UPDATE_SCREENSHOTS=1. */
const SHOTS = UPDATING ? new URL('../../docs/', import.meta.url).pathname : mkdtempSync(join(tmpdir(), 'voxgate-shots-'));

describe('web dashboard in Chromium', () => {
  let fakes: PipelineFakes;
  let engine: TestEngine;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  let phone: TestPhone;
  let firstCallId: string;
  let dashboardDir: string;

  const row = (callId: string) => page.locator(`table.calls tr[data-call-id="${callId}"]`);
  const ended = (callId: string) => page.locator(`ul.ended li[data-call-id="${callId}"]`);
  const focused = () => page.locator(':focus');
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, name), fullPage: true });

  beforeAll(async () => {
    // A pipeline agent (STT → LLM → TTS fakes): its barge-ins keep what the caller heard, marked interrupted.
    const [dir, started] = await Promise.all([buildDashboard(), startPipelineEngine({ deepgram: { minSpeechMs: 300 } })]);
    fakes = started;
    dashboardDir = dir;
    engine = fakes.engine;
    await engine.agentWithNumber(NUMBER, pipelineAgent('openai', { provider: 'openai', voiceId: 'alloy' }, { name: 'Front desk', first_message: GREETING, llm_config: { tools: [STOCK_TOOL] } }));
    app = await buildApp({ config: engine.node.config, db: engine.database.db, redis: engine.node.redis, health: engine.node.health, services: engine.node.services, dashboard: { dir } });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => console.error('page error:', err.message));
    page.on('console', (m) => m.type() === 'error' && console.error('page console:', m.text()));
    phone = await TestPhone.start();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await phone?.close();
    await app?.close();
    await fakes?.close();
    if (dashboardDir) rmSync(dashboardDir, { recursive: true, force: true });
    if (!UPDATING) rmSync(SHOTS, { recursive: true, force: true });
  });

  it('logs in with an API key; the first render is fast', async () => {
    await page.goto(`${base}/dashboard/`);
    await page.getByLabel('API key').waitFor();
    const firstRender = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    expect(firstRender).not.toBeNull();
    expect(firstRender!).toBeLessThan(3_000); // the target is 1 s; the figure is in the README

    await page.getByLabel('API key').fill('vg_live_wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');

    const clicked = Date.now();
    await page.getByLabel('API key').fill(engine.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Live calls' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const liveAfterLogin = Date.now() - clicked;
    console.log(`dashboard: first contentful paint ${Math.round(firstRender!)} ms; login to live feed ${liveAfterLogin} ms`);
    if (UPDATING) {
      const figures = { source: 'test/dashboard/dashboard.test.ts, headless Chromium; the machine may be shared (see loadAverage)', measuredAt: new Date().toISOString(), firstContentfulPaintMs: Math.round(firstRender!), loginToLiveFeedMs: liveAfterLogin, loadAverage: loadavg(), cores: cpus().length };
      writeFileSync(new URL('../bench/results/dashboard-render.json', import.meta.url), `${JSON.stringify(figures, null, 2)}\n`);
    }
  });

  it('shows a live call appear, who is speaking, and the call end', async () => {
    fakes.chat.openai.reset();
    fakes.chat.openai.enqueue({ content: 'Let me check that for you.', toolCalls: [{ name: 'check_stock', arguments: { sku: 'A1' } }] }, { content: 'Good news, it is in stock.' });
    fakes.deepgram.setScript(['Do you have the blue chair?']);
    engine.receiver.onToolCalls({ result: { available: true, count: 3 } });

    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, CALLER);
    firstCallId = (await latestCall(engine))!.id;
    await row(firstCallId).getByText('In progress').waitFor();
    await expect.poll(() => row(firstCallId).textContent()).toContain('Front desk');
    expect(await row(firstCallId).textContent()).toContain(NUMBER);
    await row(firstCallId).getByText('Agent speaking').waitFor();
    await eventually(() => voiced(phone.heard).length >= 100, 10_000, 'two seconds of the greeting');

    // The caller talks over the greeting (an interrupted turn), asks, and a tool runs.
    phone.say(mulawSpeech(900));
    phone.say(mulawSilence(1200), false);
    await row(firstCallId).getByText('Caller speaking').waitFor({ timeout: 5_000 });
    await engine.receiver.waitFor('tool-calls', { timeoutMs: 10_000 });
    await row(firstCallId).getByText('Agent speaking').waitFor({ timeout: 8_000 });
    await shot('dashboard-live.png');
    await fakes.chat.openai.waitForRequests(2, 10_000);
    await waitForQuiet(phone, 600);
    await row(firstCallId).getByText('Silence').waitFor();

    await phone.hangup();
    await ended(firstCallId).getByText('Customer hangup').waitFor({ timeout: 10_000 });
    expect(await row(firstCallId).count()).toBe(0);
    expect(await ended(firstCallId).textContent()).toContain('Ended');
  }, 60_000);

  it('says, transfers and hangs up a live call with the buttons', async () => {
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, SECOND_CALLER);
    const callId = (await latestCall(engine))!.id;
    await row(callId).getByText('In progress').waitFor();

    // Say…: the agent speaks the text (it reaches the TTS fake).
    await row(callId).getByRole('button', { name: `Say something on the call with ${SECOND_CALLER}` }).click();
    await row(callId).getByLabel('The agent says').fill('Please hold the line.');
    await row(callId).getByRole('button', { name: 'Say', exact: true }).click();
    await row(callId).getByText('The agent says it.').waitFor();
    await eventually(() => fakes.speech.inputs.some((text) => text.includes('Please hold the line.')), 10_000, 'the text synthesised');

    // Transfer…: the owner's answer reaches the page (this organization has no transfer trunk).
    await row(callId).getByRole('button', { name: `Transfer the call with ${SECOND_CALLER}` }).click();
    await row(callId).getByLabel('Transfer to (E.164 or sip:…)').fill('+31201234567');
    await row(callId).getByRole('button', { name: 'Transfer', exact: true }).click();
    expect(await row(callId).getByRole('alert').textContent()).toContain('No SIP trunk for transfers');

    await row(callId).getByRole('button', { name: `Hang up the call with ${SECOND_CALLER}` }).click();
    await hungUpByEngine(phone, 10_000);
    await ended(callId).getByText('Ended', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await row(callId).count()).toBe(0);
    expect((await callRow(engine, callId)).end_reason).toBe('agent-hangup');
  }, 30_000);

  it('opens a call page with the transcript, tools, waterfall, a playable recording and webhooks with retry', async () => {
    // The end-of-call report is sent by the post-call job; the page lists it once it is out.
    await engine.receiver.waitFor('end-of-call-report', { timeoutMs: 15_000 });
    await ended(firstCallId).getByRole('link').click();
    await page.getByRole('heading', { name: `Call with ${CALLER}` }).waitFor();

    const transcript = page.locator('ol.transcript');
    await expect.poll(() => transcript.textContent()).toContain('Do you have the blue chair?');
    expect(await transcript.textContent()).toContain('Good news, it is in stock.');
    const interrupted = transcript.locator('li.interrupted');
    expect(await interrupted.count()).toBe(1);
    expect(await interrupted.textContent()).toContain('Welcome to the furniture shop');
    expect(await interrupted.textContent()).not.toContain('Ask me anything'); // only what the caller heard
    expect(await interrupted.getByText('Interrupted').count()).toBe(1);

    const tools = page.getByRole('region', { name: 'Tool calls' });
    await tools.getByText('check_stock').waitFor();
    expect(await tools.textContent()).toContain('{"sku":"A1"}');
    expect(await tools.textContent()).toContain('"available":true');

    const waterfall = page.getByTestId('waterfall');
    expect(await waterfall.locator('g.turn').count()).toBeGreaterThanOrEqual(1);
    // A pipeline turn has every stage: end of turn, LLM request, first token, sentence, TTS request, first audio, first RTP.
    expect(await waterfall.locator('g.turn').first().locator('rect').count()).toBe(7);
    expect(await waterfall.getAttribute('aria-label')).toMatch(/first RTP at \d+/);

    const audio = page.locator('audio');
    await audio.waitFor();
    const played = await audio.evaluate(async (node) => {
      const el = node as unknown as AudioLike;
      if (el.readyState < 1) await new Promise((resolve) => el.addEventListener('loadedmetadata', resolve, { once: true }));
      await el.play();
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { duration: el.duration, currentTime: el.currentTime, error: el.error?.code ?? null };
    });
    const row = await callRow(engine, firstCallId);
    expect(played.error).toBeNull();
    expect(played.duration).toBeGreaterThan(row.duration_seconds! - 2);
    expect(played.currentTime).toBeGreaterThan(0);

    const webhooks = page.getByRole('region', { name: 'Webhook deliveries' });
    await webhooks.getByText('end-of-call-report').waitFor();
    expect(await webhooks.textContent()).toContain('status-update');
    expect(await webhooks.textContent()).toContain('sent once'); // tool-calls: synchronous
    const before = engine.receiver.requests.filter((r) => r.event === 'end-of-call-report').length;
    await webhooks.getByRole('button', { name: 'Retry the end-of-call-report webhook' }).click();
    await webhooks.getByText('end-of-call-report queued again.').waitFor();
    await eventually(() => engine.receiver.requests.filter((r) => r.event === 'end-of-call-report').length > before, 10_000, 'the report delivered again');
    await audio.evaluate((node) => (node as unknown as AudioLike).pause());
    await shot('dashboard-call.png');
  }, 60_000);

  it('filters the call history', async () => {
    await page.getByRole('link', { name: 'Call history', exact: true }).click();
    await page.getByText('2 calls, 1–2 shown').waitFor();
    await shot('dashboard-history.png');
    await page.getByLabel('Direction').selectOption('outbound');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No calls match.').waitFor();
    await page.getByLabel('Direction').selectOption('inbound');
    await page.getByLabel('Status').selectOption('ended');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('2 calls, 1–2 shown').waitFor();
    await page.getByLabel('From').fill('2001-01-01');
    await page.getByLabel('To').fill('2001-01-02');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No calls match.').waitFor();
  });

  it('shows agents and numbers at a glance', async () => {
    await page.getByRole('link', { name: 'Agents & numbers' }).click();
    const agents = page.getByRole('region', { name: /Agents/ });
    await agents.getByText('Front desk').waitFor();
    expect(await agents.textContent()).toContain(NUMBER);
    expect(await page.getByRole('region', { name: /Numbers/ }).textContent()).toContain('Answering');
    await shot('dashboard-agents.png');
  });

  it('the admin key sees every organization', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API key').fill(TEST_ADMIN_KEY);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Live calls' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, CALLER);
    const callId = (await latestCall(engine))!.id;
    await row(callId).getByText('Call test org').waitFor();
    await phone.hangup();
    await ended(callId).waitFor({ timeout: 10_000 });

    await page.getByRole('link', { name: 'Call history' }).click();
    await page.getByText('Choose an organization at the top').waitFor();
    await page.getByLabel('Organization').selectOption({ label: 'Call test org' });
    await page.getByText('3 calls, 1–3 shown').waitFor();
  }, 30_000);

  it('works from the keyboard alone', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.goto(`${base}/dashboard/`);
    await page.keyboard.press('Tab');
    expect(await focused().getAttribute('id')).toBe('api-key');
    await page.keyboard.type(engine.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Live calls' }).waitFor();
    // Skip link, then the navigation; Enter follows a link.
    await page.keyboard.press('Tab');
    expect(await focused().textContent()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused().textContent()).toBe('Call history');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Call history' }).waitFor();
  });
});

/** The slice of HTMLAudioElement the test uses (the test compiles without the DOM library). */
interface AudioLike {
  readyState: number;
  duration: number;
  currentTime: number;
  error: { code: number } | null;
  addEventListener(type: string, listener: (event: unknown) => void, options?: { once: boolean }): void;
  play(): Promise<void>;
  pause(): void;
}

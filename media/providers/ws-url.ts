/**
 * WebSocket URLs derive from the vendors' HTTP base URLs (DESIGN.md §7: `OPENAI_BASE_URL`,
 * `XAI_BASE_URL`), so tests point a provider at a local fake by setting one variable.
 */

/**
 * `https://api.openai.com/v1` + `gpt-realtime` → `wss://api.openai.com/v1/realtime?model=gpt-realtime`.
 * `http:` becomes `ws:`; a base URL already in `ws(s):` is kept; query strings on the base survive.
 */
export function realtimeWsUrl(baseUrl: string, model: string, path = 'realtime'): string {
  const url = new URL(baseUrl);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`unsupported base URL scheme: ${url.protocol}`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
  url.searchParams.set('model', model);
  return url.toString();
}

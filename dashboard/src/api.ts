/**
 * Talking to the engine: the REST API with the key the user logged in with. The admin key acts
 * as one organization at a time by naming it in X-Voxgate-Org; the key lives in sessionStorage
 * (this tab only) and is never put in a URL.
 */
import type { LiveEvent, Organization, Session } from './types';

const KEY_STORAGE = 'voxgate.dashboard.key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
}

function headers(key: string, orgId: string | null, json: boolean): Record<string, string> {
  return {
    authorization: `Bearer ${key}`,
    ...(orgId !== null && { 'x-voxgate-org': orgId }),
    ...(json && { 'content-type': 'application/json' }),
  };
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: string; message?: string } | null;
  return new ApiError(res.status, body?.error ?? 'http_error', body?.message ?? `The engine answered ${res.status}.`);
}

/** Checks the key and remembers it for this tab. */
export async function logIn(key: string): Promise<Session> {
  const res = await fetch('/dashboard/api/session', { headers: headers(key, null, false) });
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as { admin: boolean; organizations: Organization[] };
  sessionStorage.setItem(KEY_STORAGE, key);
  return { key, ...body };
}

/** A client bound to the session and, for the admin key, to one organization. */
export class Client {
  constructor(
    readonly session: Session,
    /** The organization the admin acts as (null: the key's own). */
    readonly orgId: string | null,
  ) {}

  private asOrg(orgId?: string | null): string | null {
    return this.session.admin ? (orgId ?? this.orgId) : null;
  }

  async get<T>(path: string, orgId?: string | null): Promise<T> {
    const res = await fetch(`/api/v1/${path}`, { headers: headers(this.session.key, this.asOrg(orgId), false) });
    if (!res.ok) throw await failure(res);
    return (await res.json()) as T;
  }

  async post<T>(path: string, body: unknown, orgId?: string | null): Promise<T> {
    const res = await fetch(`/api/v1/${path}`, { method: 'POST', headers: headers(this.session.key, this.asOrg(orgId), true), body: JSON.stringify(body) });
    if (!res.ok) throw await failure(res);
    return (await res.json()) as T;
  }

  /** The dashboard's own endpoints (/dashboard/api/…); the admin names the organization in `org`. */
  async dashboard<T>(path: string, orgId?: string | null): Promise<T> {
    const org = this.asOrg(orgId);
    const query = org ? `${path.includes('?') ? '&' : '?'}org=${encodeURIComponent(org)}` : '';
    const res = await fetch(`/dashboard/api/${path}${query}`, { headers: headers(this.session.key, null, false) });
    if (!res.ok) throw await failure(res);
    return (await res.json()) as T;
  }

  /** A binary download (the recording) as a blob, since an <audio> element cannot send the key. */
  async blob(path: string, orgId?: string | null): Promise<Blob> {
    const res = await fetch(`/api/v1/${path}`, { headers: headers(this.session.key, this.asOrg(orgId), false) });
    if (!res.ok) throw await failure(res);
    return res.blob();
  }

  /**
   * The live feed (server-sent events read through fetch, so the key goes in a header): calls
   * `onEvent` for each event until `signal` aborts; reconnects after a drop, saying so.
   */
  async live(orgId: string | null, onEvent: (event: LiveEvent) => void, onState: (connected: boolean) => void, signal: AbortSignal): Promise<void> {
    const query = this.session.admin && orgId ? `?org=${encodeURIComponent(orgId)}` : '';
    while (!signal.aborted) {
      try {
        const res = await fetch(`/dashboard/api/live${query}`, { headers: headers(this.session.key, null, false), signal });
        if (!res.ok || !res.body) throw await failure(res);
        onState(true);
        await readEvents(res.body, onEvent);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) throw err;
      }
      onState(false);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: LiveEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data && !block.startsWith('event: failure')) onEvent(JSON.parse(data) as LiveEvent);
    }
  }
}

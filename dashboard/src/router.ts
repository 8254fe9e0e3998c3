/** Hash routes (`#/live`, `#/calls/<id>?org=<id>`): the engine serves one page, deep links still work. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'live' }
  | { page: 'history' }
  | { page: 'agents' }
  | { page: 'call'; id: string; orgId: string | null };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const call = /^\/calls\/([0-9a-f-]{36})$/i.exec(path);
  if (call) return { page: 'call', id: call[1], orgId: params.get('org') };
  if (path === '/history') return { page: 'history' };
  if (path === '/agents') return { page: 'agents' };
  return { page: 'live' };
}

export const callHref = (id: string, orgId: string | null): string => `#/calls/${id}${orgId ? `?org=${orgId}` : ''}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

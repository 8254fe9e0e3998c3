/** Loads something when its inputs change; a newer load wins over a slower older one. */
import { useEffect, useState } from 'preact/hooks';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; value: T };

export function useLoad<T>(load: () => Promise<T>, inputs: unknown[]): [Loaded<T>, (value: T) => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load().then(
      (value) => current && setLoaded({ state: 'ready', value }),
      (err: unknown) => current && setLoaded({ state: 'error', message: (err as Error).message }),
    );
    return () => {
      current = false;
    };
  }, inputs);
  return [loaded, (value: T) => setLoaded({ state: 'ready', value })];
}

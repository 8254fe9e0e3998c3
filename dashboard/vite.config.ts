/**
 * The dashboard's build (`npm run build` → dist/dashboard/): Preact through Vite's own JSX
 * transform, no plugins, served by the engine under /dashboard/.
 */
import { defineConfig } from 'vite';

const root = new URL('.', import.meta.url).pathname;

export default defineConfig({
  root,
  base: '/dashboard/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: new URL('../dist/dashboard/', import.meta.url).pathname,
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: nothing to preload, and no inline polyfill script (the CSP allows none).
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
});

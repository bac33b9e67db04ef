import { defineConfig } from 'vite';

/**
 * The dashboard bundle: `npm run build` writes it to dist/dashboard, which the gateway serves at
 * /dashboard (services/gateway/src/http/dashboard.ts). Everything is bundled: no CDN at run time, and
 * nothing inlined (the page's Content-Security-Policy allows only files from the gateway itself).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../../dist/dashboard',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: 'es2022',
    // A few hundred KB in all: one script, one stylesheet.
    chunkSizeWarningLimit: 400,
  },
});

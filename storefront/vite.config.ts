import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` (hot reload) proxies the API to the gateway that `npm start` runs on :4000, so the
// app talks to /graphql on its own origin in development exactly as it does when the gateway
// serves the built files.
const gateway = process.env.GATEWAY_ORIGIN ?? 'http://localhost:4000';

export default defineConfig({
  plugins: [react()],
  build: {
    // No inline script in index.html: the gateway's Content-Security-Policy (script-src 'self') holds.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      '/graphql': { target: gateway, ws: true, changeOrigin: true },
    },
  },
});

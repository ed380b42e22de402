// Builds the console into web/dist, which the Patron server serves at `/` (src/server/static.ts).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // antd is large by nature; split it from the app code so app changes do not bust its cache.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : undefined),
      },
    },
  },
  server: {
    // `npm run dev:web` serves the console with hot reload; the API comes from `npm start` on port 3000.
    proxy: { '/api': 'http://localhost:3000', '/v1': 'http://localhost:3000', '/health': 'http://localhost:3000' },
  },
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Where `npm run build:web` puts the console. */
export const defaultWebDist = fileURLToPath(new URL('../../web/dist/', import.meta.url));

// Paths that belong to the APIs: an unknown one is a 404 from there, never the console page.
const apiPath = /^\/(api|v1)(\/|$)/;
// A missing file (an old asset, /robots.txt) is a 404 too; only page addresses get the console.
const filePath = /\/[^/]*\.[^/]*$/;

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patron — console not built</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1.5rem;color:#0f172a}code{background:#f1f5f9;padding:2px 6px;border-radius:4px}</style>
</head><body>
<h1>The Patron web console is not built yet</h1>
<p>Build it with <code>npm run build:web</code> and reload this page (<code>npm start</code> builds it for you).</p>
<p lang="zh-CN">控制台尚未构建：运行 <code>npm run build:web</code> 后刷新本页（<code>npm start</code> 会自动构建）。</p>
<p>The API is running: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
`;

/**
 * Serves the web console built in `distDir` at `/`: hashed assets under /assets (cached for good), and
 * index.html for every other page address, so that reloading /customers/42 opens that page (SPA
 * fallback). /api and /v1 are left to their own routes. Without a build, `/` says how to make one;
 * the check runs per request, so a build made while the server runs is picked up.
 */
export function webConsole(options: { distDir?: string } = {}): FastifyPluginAsync {
  const distDir = options.distDir ?? defaultWebDist;
  return async (app) => {
    await app.register(fastifyStatic, { root: join(distDir, 'assets'), prefix: '/assets/', immutable: true, maxAge: '365d', index: false });

    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (apiPath.test(path) || filePath.test(path)) return reply.callNotFound();
      if (!existsSync(join(distDir, 'index.html'))) {
        return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(notBuiltPage);
      }
      // index.html names the current asset hashes: always revalidate it (the assets' year-long cache must not apply).
      return reply.header('cache-control', 'no-cache').sendFile('index.html', distDir, { cacheControl: false });
    });
  };
}

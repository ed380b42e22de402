import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webConsole } from './static.ts';

async function appServing(distDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(
    async (api) => {
      api.get('/customers', async () => ({ customers: [] }));
    },
    { prefix: '/api' },
  );
  await app.register(webConsole({ distDir }));
  app.get('/health', async () => ({ ok: true }));
  return app;
}

describe('web console serving', () => {
  let dist: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'patron-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = await appServing(dist);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and at every page address (SPA fallback), never cached stale', async () => {
    for (const url of ['/', '/customers', '/customers/42', '/customers?q=%E5%BC%A0']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long cache, and 404s missing files instead of the page', async () => {
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/assets/index-old.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/robots.txt' })).statusCode).toBe(404);
  });

  it('leaves /api, /v1 and other routes to themselves', async () => {
    expect((await app.inject({ url: '/api/customers' })).json()).toEqual({ customers: [] });
    expect((await app.inject({ url: '/health' })).json()).toEqual({ ok: true });
    for (const url of ['/api/nope', '/api', '/v1/track']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/application\/json/);
    }
    expect((await app.inject({ method: 'POST', url: '/customers' })).statusCode).toBe(404);
  });

  it('says how to build the console when web/dist is missing', async () => {
    const missing = await appServing(join(dist, 'not-built'));
    const res = await missing.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('npm run build:web');
    expect((await missing.inject({ url: '/customers/3' })).body).toContain('npm run build:web');
    expect((await missing.inject({ url: '/api/customers' })).statusCode).toBe(200);
    await missing.close();
  });
});

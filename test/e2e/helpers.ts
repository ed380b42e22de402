// Shared pieces of the browser tests: the console build, the real server on a test store, and
// Debian's chromium through playwright-core, with screenshots in test-artifacts/console/.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Database, DatabaseHandle, StoreKind } from '../../src/db/index.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { buildApp } from '../../src/server/app.ts';
import { testStores } from '../stores.ts';

export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
export const root = fileURLToPath(new URL('../../', import.meta.url));
export const artifacts = join(root, 'test-artifacts', 'console');

/** Says once, at collection, why a browser suite is skipped. */
export function warnIfNoChromium(suite: string): void {
  if (!hasChromium) console.warn(`${suite}: skipped, ${chromiumPath} is absent (install it with \`apt-get install -y chromium\`; CI does).`);
}

// Browser suites run in parallel forks; only one may build web/dist at a time (vite empties it first).
const buildLock = join(tmpdir(), `patron-web-build-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);

/** Builds the console as `npm start` would (when stale), one suite at a time; throws with vite's output on failure. */
export async function buildConsole(): Promise<void> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(buildLock);
      break;
    } catch {
      // A lock older than the build can take is left over from a killed run.
      if (existsSync(buildLock) && Date.now() - statSync(buildLock).mtimeMs > 300_000) rmSync(buildLock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited too long for ${buildLock}; remove it if no build is running`);
      await sleep(250);
    }
  }
  try {
    // Not spawnSync: a worker blocked for the whole build misses vitest's heartbeat on a loaded machine.
    const build = spawn(process.execPath, [join(root, 'scripts', 'build-web-if-stale.js'), '--strict'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    build.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    build.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const status = await new Promise<number | null>((resolve, reject) => build.on('error', reject).on('close', resolve));
    if (status !== 0) throw new Error(`the console build failed:\n${output}`);
  } finally {
    rmSync(buildLock, { recursive: true, force: true });
  }
}

/** The real server on a store, listening on a free port. */
export async function startServer(db: Kysely<Database>, store: StoreKind, options: { clock?: Clock } = {}): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildApp({ db, store, ...(options.clock ? { clock: options.clock } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** Debian's chromium, headless, with the flags the issue asks for. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

/** A page in a Chinese-speaking browser in Shanghai at a desktop size. */
export async function newConsolePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Saves full-page screenshots into test-artifacts/console/. */
export function screenshots(page: Page): (name: string) => Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  return async (name) => {
    // From the top: a full-page shot of a scrolled page draws the sticky header mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  };
}

/** Signs in on the key form (Chinese labels). */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('私密 API 密钥').fill(key);
  await page.getByRole('button', { name: '继续' }).click();
}

/** A browser suite's world: a fresh store seeded with `data`, the real server on it, and a Chinese-speaking page. */
export interface ConsoleSession<T> {
  readonly handle: DatabaseHandle;
  readonly app: FastifyInstance;
  readonly base: string;
  readonly browser: Browser;
  readonly page: Page;
  readonly shot: (name: string) => Promise<void>;
  readonly data: T;
  /** Closes the browser, the server and the store (each if it was opened). */
  readonly close: () => Promise<void>;
}

/**
 * What every browser suite starts with: the console built from the current sources (as `npm start`
 * would), a fresh PGlite store seeded by `seed`, the server on a free port, Chromium with one page whose
 * uncaught errors are logged under the suite's name, and screenshots into test-artifacts/console/.
 */
export async function startConsole<T>(suite: string, seed: (db: Kysely<Database>) => Promise<T>, options: { clock?: Clock } = {}): Promise<ConsoleSession<T>> {
  await buildConsole();
  const handle = await testStores()[0]!.open();
  let app: FastifyInstance | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await app?.close();
    await handle.close();
  };
  try {
    const data = await seed(handle.db);
    const server = await startServer(handle.db, handle.kind, options);
    app = server.app;
    browser = await launchChromium();
    const page = await newConsolePage(browser);
    page.on('pageerror', (error) => console.error(`${suite}: page error: ${error.message}`));
    return { handle, app, base: server.base, browser, page, shot: screenshots(page), data, close };
  } catch (error) {
    await close();
    throw error;
  }
}

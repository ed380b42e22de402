#!/usr/bin/env node
// Builds the web console into web/dist when it is missing or older than its sources, so that
// `npm start` (whose prestart runs this) always serves a console matching the checkout.
// NODE_ENV is forced to production: a build started from a test run (NODE_ENV=test) must not ship
// React's development build or antd's test ids.
// A console that cannot be built never stops the API from starting, unless --strict is given (tests).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const strict = process.argv.includes('--strict');
const builtIndex = join(root, 'web', 'dist', 'index.html');
// Everything that ends up in the bundle: the console, the shared lib code it imports, the dependency versions.
const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/public', 'src/lib', 'package-lock.json'].map((p) => join(root, p));

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  // A deleted file changes only its directory's time.
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), stat.mtimeMs);
}

function reason() {
  if (!existsSync(builtIndex)) return 'web/dist is missing';
  return newestChange(builtIndex) < Math.max(...sources.map(newestChange)) ? 'web/dist is older than its sources' : undefined;
}

const why = reason();
if (why) {
  const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(viteBin)) {
    console.warn(`The web console needs building (${why}), but vite is not installed (were devDependencies left out?). Run \`npm install\`, then \`npm run build:web\`.`);
    process.exit(strict ? 1 : 0);
  }
  console.log(`Building the web console (${why})…`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [viteBin, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (result.status !== 0) {
    console.error(`The web console could not be built (see above); ${existsSync(builtIndex) ? 'the previous build is served' : 'the server shows how to build it'}. Fix it and run \`npm run build:web\`.`);
    process.exit(strict ? 1 : 0);
  }
  console.log(`Built the web console in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

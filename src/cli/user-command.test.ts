import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'patron-cli-user-'));

/** Runs `patron` as a user would, on an embedded database of its own. */
function patron(env: NodeJS.ProcessEnv, ...args: string[]) {
  const full: NodeJS.ProcessEnv = { ...process.env, PATRON_DATA_DIR: join(dir, 'data'), PATRON_NO_DEMO: '1', ...env };
  delete full.DATABASE_URL;
  const result = spawnSync(process.execPath, [join(root, 'bin/patron.js'), ...args], { cwd: root, env: full, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('patron user add', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds an owner to an imported workspace, with a given or a generated password, and refuses a taken email', () => {
    const csv = join(dir, 'customers.csv');
    writeFileSync(csv, 'email,name\nlilei@example.com,李雷\n');
    expect(patron({}, 'import', 'customers', csv, '--workspace', 'shop').status).toBe(0);
    const given = patron({ PATRON_USER_PASSWORD: 'shop-owner-pass' }, 'user', 'add', 'Boss@Shop.test', '--workspace', 'shop');
    expect(given.stdout).toBe('Added boss@shop.test as owner of shop.\n');
    const generated = patron({}, 'user', 'add', 'clerk@shop.test', '--workspace', 'shop', '--role', 'viewer');
    expect(generated.stdout).toMatch(/^Added clerk@shop\.test as viewer of shop\. Password: \S{16} \(shown once/);
    const taken = patron({}, 'user', 'add', 'boss@shop.test', '--workspace', 'shop');
    expect(taken.stderr).toMatch(/already exists/);
    expect(taken.status).toBe(1);
  }, 240_000);
});

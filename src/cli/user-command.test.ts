import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPatron } from '../../test/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'patron-cli-user-'));
const patron = (env: NodeJS.ProcessEnv, ...args: string[]) => runPatron(join(dir, 'data'), args, env);

describe('patron user add', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds an owner to an imported workspace, with a given or a generated password, and refuses a taken email', async () => {
    const csv = join(dir, 'customers.csv');
    writeFileSync(csv, 'email,name\nlilei@example.com,李雷\n');
    expect((await patron({}, 'import', 'customers', csv, '--workspace', 'shop')).status).toBe(0);
    const given = await patron({ PATRON_USER_PASSWORD: 'shop-owner-pass' }, 'user', 'add', 'Boss@Shop.test', '--workspace', 'shop');
    expect(given.stdout).toBe('Added boss@shop.test as owner of shop.\n');
    const generated = await patron({}, 'user', 'add', 'clerk@shop.test', '--workspace', 'shop', '--role', 'viewer');
    expect(generated.stdout).toMatch(/^Added clerk@shop\.test as viewer of shop\. Password: \S{16} \(shown once/);
    const taken = await patron({}, 'user', 'add', 'boss@shop.test', '--workspace', 'shop');
    expect(taken.stderr).toMatch(/boss@shop\.test already has a Patron account/);
    expect(taken.status).toBe(1);
  }, 240_000);
});

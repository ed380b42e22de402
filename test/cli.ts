// Runs the `patron` command as a user would, in a child process on an embedded database of its own.
// Asynchronous on purpose: a test worker blocked in spawnSync cannot answer vitest's heartbeat, and on
// a loaded machine that fails the run ("Timeout calling onTaskUpdate") although every test passed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const repositoryRoot = join(import.meta.dirname, '..');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `patron ...args` with PATRON_DATA_DIR = `dataDir`, no demo data and no DATABASE_URL, plus `env`. */
export function runPatron(dataDir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const full: NodeJS.ProcessEnv = { ...process.env, PATRON_DATA_DIR: dataDir, PATRON_NO_DEMO: '1', ...env };
  delete full.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'bin/patron.js'), ...args], { cwd: repositoryRoot, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

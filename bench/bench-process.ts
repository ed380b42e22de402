// Child processes of the benchmarks: `patron serve` (or another server) on a free port, stopped cleanly.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
}

/** Starts `command argv` and resolves with the port it says it listens on ("listening N" or a host:port URL). */
export function startChild(command: string, argv: string[], env: Record<string, string>): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)|localhost:(\d+)|127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1] ?? match[2] ?? match[3]) });
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`${command} ${argv.join(' ')} exited with ${code}: ${out}`)));
  });
}

/** `patron serve` on a free loopback port without the demo data, quiet; `env` says which store. */
export function startPatron(env: Record<string, string>): Promise<RunningServer> {
  return startChild('node', ['bin/patron.js', 'serve'], { PORT: '0', HOST: '127.0.0.1', PATRON_NO_DEMO: '1', LOG_LEVEL: 'error', ...env });
}

/** SIGTERM, and resolves once the process has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

import { resolve } from 'node:path';
import { z } from 'zod';
import { invalidInput } from './lib/errors.ts';

const environmentSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  PATRON_DATA_DIR: z.string().min(1).default('.patron'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  PATRON_TRUST_PROXY: z.enum(['', '0', '1', 'false', 'true']).default(''),
});

/** Patron's settings, read once from the environment. */
export interface Config {
  /** A PostgreSQL server, or undefined for the embedded PGlite store in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** Behind a reverse proxy: trust its X-Forwarded-For/-Proto (client IPs for sign-in limits, https for Secure cookies). */
  readonly trustProxy: boolean;
}

/** Parses the environment into a Config; a bad value names the variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw invalidInput(`Environment variable ${name} is invalid: ${issue?.message ?? 'bad value'}`, { path: [name] });
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.PATRON_DATA_DIR),
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.PATRON_TRUST_PROXY === '1' || e.PATRON_TRUST_PROXY === 'true',
  };
}

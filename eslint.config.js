// Lint rules, including the module boundaries of ARCHITECTURE.md: a wrong import fails `npm run lint`.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const domains = ['access', 'analytics', 'customers', 'events', 'orders', 'ingest', 'segments', 'journeys', 'experiments', 'channels', 'loyalty', 'privacy'];

// Inside a domain, another domain is reached only through its index.ts.
const domainBoundaries = domains.map((domain) => ({
  files: [`src/${domain}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^\\.\\./(?!${domain}/)(${domains.join('|')})/(?!index\\.ts$).+`,
            message: 'Import another domain only through its index.ts: that file is its whole public surface.',
          },
          { regex: '^\\.\\./(\\.\\./)*(server|cli)/', message: 'Domains must not depend on server/ or cli/: dependencies point from the edges inward.' },
          { group: ['fastify', 'fastify-*', '@fastify/*'], message: 'Domains stay free of the HTTP framework; their HTTP routes live in server/routes/.' },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'web/dist/', 'scratch/', 'test-artifacts/', '.patron/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports only.' }],
    },
  },
  {
    files: ['src/db/**/*.ts', 'src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: `^\\.\\./(${domains.join('|')}|server|cli)/`, message: 'db/ and lib/ are the bottom layer: they import no domain.' }] },
      ],
    },
  },
  ...domainBoundaries,
  {
    // The console runs in the browser and talks to the server over HTTP only.
    files: ['web/src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!lib/)',
              allowTypeImports: true,
              message: 'The console reaches the server over HTTP: import only types from src/ (they vanish from the bundle); runtime code only from src/lib/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['*.config.{js,ts}', 'web/vite.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);

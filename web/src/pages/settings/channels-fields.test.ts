import { describe, expect, it } from 'vitest';
import { providerInput } from './channels-fields.ts';

describe('providerInput', () => {
  it('sends typed secrets apart from the config and leaves out empty ones, so stored secrets are kept', () => {
    expect(providerInput('webhook', { url: ' https://a.example/h ', timeoutMs: 2000, batchSize: 1, signingSecret: '' })).toEqual({
      config: { url: 'https://a.example/h', timeoutMs: 2000, batchSize: 1 },
      secrets: {},
    });
    expect(providerInput('email', { host: 'smtp.example.com', port: 465, secure: true, replyTo: '', user: 'shop', pass: 'pw' })).toEqual({
      config: { host: 'smtp.example.com', port: 465, secure: true },
      secrets: { user: 'shop', pass: 'pw' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../api/client.ts';
import { removeSuppression, saveProvider } from './channels-api.ts';

function clientAnswering(answer: () => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return answer();
  }) as typeof fetch;
  return { client: createApiClient({ csrfToken: 'csrf-1', fetch: fetchStub }), calls };
}

describe('channels API calls', () => {
  it('saves a provider with PUT and the CSRF token', async () => {
    const view = { channel: 'webhook', config: { url: 'https://a.example/h' }, secrets: { signingSecret: 'set' } };
    const { client, calls } = clientAnswering(() => new Response(JSON.stringify(view), { status: 200 }));
    await expect(saveProvider(client, 'webhook', { config: { url: 'https://a.example/h' }, secrets: { signingSecret: 's'.repeat(16) } })).resolves.toEqual(view);
    expect(calls[0]).toMatchObject({ url: '/api/channels/providers/webhook', init: { method: 'PUT' } });
    expect(new Headers(calls[0]!.init.headers).get('x-csrf-token')).toBe('csrf-1');
  });

  it('removes a suppressed address, escaped in the path, and takes the empty 204 answer', async () => {
    const { client, calls } = clientAnswering(() => new Response(null, { status: 204 }));
    await expect(removeSuppression(client, 'email', 'a/b@example.com')).resolves.toBeUndefined();
    expect(calls[0]).toMatchObject({ url: '/api/channels/suppressions/email/a%2Fb%40example.com', init: { method: 'DELETE' } });
  });
});

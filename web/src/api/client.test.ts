import type { TFunction } from 'i18next';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './api-error.ts';
import { createApiClient } from './client.ts';
import { fetchCustomers, updateCustomerTags } from './customers-api.ts';
import { describeError } from './describe-error.ts';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function clientAnswering(answer: (url: string, init: RequestInit) => Response | Promise<Response>, onUnauthorized?: (e: ApiError) => void) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchStub = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return answer(String(input), init ?? {});
  }) as typeof fetch;
  return { client: createApiClient({ apiKey: 'ps_test', fetch: fetchStub, onUnauthorized }), calls };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('API client', () => {
  it('sends the key as a Bearer token and the filters as query parameters', async () => {
    const { client, calls } = clientAnswering(() => json(200, { customers: [], nextCursor: null }));
    await expect(fetchCustomers(client, { q: '  张伟 ', tag: 'VIP', limit: 20, cursor: undefined })).resolves.toEqual({ customers: [], nextCursor: null });
    expect(calls[0]?.url).toBe('/api/customers?q=%E5%BC%A0%E4%BC%9F&tag=VIP&limit=20');
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe('Bearer ps_test');
  });

  it('without a key, rides the session cookie and sends the CSRF token on changes only', async () => {
    const calls: RequestInit[] = [];
    const fetchStub = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(init ?? {});
      return json(200, {});
    }) as typeof fetch;
    const client = createApiClient({ csrfToken: 'csrf-1', fetch: fetchStub });
    await client.get('/tags');
    await client.patch('/users/3', { role: 'viewer' });
    await client.delete('/session');
    expect(calls.map((c) => c.credentials)).toEqual(['same-origin', 'same-origin', 'same-origin']);
    expect(calls.map((c) => new Headers(c.headers).get('x-csrf-token'))).toEqual([null, 'csrf-1', 'csrf-1']);
    expect(calls.map((c) => new Headers(c.headers).get('authorization'))).toEqual([null, null, null]);
    expect(calls.map((c) => c.method)).toEqual(['GET', 'PATCH', 'DELETE']);
  });

  it('posts JSON bodies', async () => {
    const { client, calls } = clientAnswering(() => json(200, { added: 1, removed: 0 }));
    await updateCustomerTags(client, { customerIds: [3], add: ['VIP'] });
    expect(calls[0]?.init.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ customerIds: [3], add: ['VIP'], remove: [] });
    expect(new Headers(calls[0]?.init.headers).get('content-type')).toBe('application/json');
  });

  it("reads the server's coded error body", async () => {
    const { client } = clientAnswering(() => json(404, { error: { code: 'not_found', message: 'Customer 9 does not exist in this workspace', details: { path: ['id'] } } }));
    const error = await failure(client.get('/customers/9'));
    expect(error).toMatchObject({ code: 'not_found', status: 404, message: 'Customer 9 does not exist in this workspace', details: { path: ['id'] } });
  });

  it('turns a non-JSON error (a proxy page) into a code from the status', async () => {
    const { client } = clientAnswering(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(await failure(client.get('/tags'))).toMatchObject({ code: 'internal', status: 502, message: 'The server answered 502 Bad Gateway' });
    const { client: busy } = clientAnswering(() => new Response('', { status: 503 }));
    expect((await failure(busy.get('/tags'))).code).toBe('unavailable');
  });

  it('reports a server that cannot be reached as a network failure', async () => {
    const { client } = clientAnswering(() => {
      throw new TypeError('Failed to fetch');
    });
    expect(await failure(client.get('/tags'))).toMatchObject({ code: 'network', status: 0 });
  });

  it('reports a success that is not JSON', async () => {
    const { client } = clientAnswering(() => new Response('<html></html>', { status: 200 }));
    expect((await failure(client.get('/tags'))).code).toBe('bad_response');
  });

  it('tells the console when the key is rejected, so it can ask for another', async () => {
    const onUnauthorized = vi.fn();
    const { client } = clientAnswering(() => json(401, { error: { code: 'unauthorized', message: 'The API key is unknown or revoked' } }), onUnauthorized);
    await failure(client.get('/customers'));
    expect(onUnauthorized).toHaveBeenCalledOnce();
    const { client: other } = clientAnswering(() => json(400, { error: { code: 'invalid_input', message: 'querystring.limit: too big' } }), onUnauthorized);
    await failure(other.get('/customers'));
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });
});

describe('describeError', () => {
  const t = ((key: string) => `[${key}]`) as unknown as TFunction;

  it("gives a translated title by code and keeps the server's message as detail", () => {
    expect(describeError(new ApiError('conflict', 'Merge 3 was already undone', 409), t)).toEqual({ title: '[errors.conflict]', detail: 'Merge 3 was already undone' });
  });

  it('reads anything else as a server problem', () => {
    expect(describeError(new Error('boom'), t)).toEqual({ title: '[errors.internal]', detail: 'boom' });
    expect(describeError('weird', t)).toEqual({ title: '[errors.internal]', detail: undefined });
  });
});

import { errorCodes } from '../../../src/lib/errors.ts';
import { ApiError, type ApiErrorCode } from './api-error.ts';

/** A typed fetch client for Patron's admin API (`/api/*`): the session cookie, or a Bearer secret key. */
export interface ApiClient {
  get<T>(path: string, query?: Readonly<Record<string, string | number | undefined>>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

export interface ApiClientOptions {
  /** A secret key sent as Bearer; without one the browser's session cookie signs the calls. */
  readonly apiKey?: string;
  /** The session's CSRF token, sent with every call that changes something when signed in with a cookie. */
  readonly csrfToken?: string;
  /** Origin and prefix of the API; '' for the server that serves the console. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Called when the server rejects the key, so the console can ask for another. */
  readonly onUnauthorized?: (error: ApiError) => void;
}

const knownCodes: readonly string[] = [...errorCodes, 'internal'];

function codeForStatus(status: number): ApiErrorCode {
  if (status === 400) return 'invalid_input';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'limit_reached';
  if (status === 503) return 'unavailable';
  return 'internal';
}

/** Reads the server's `{error: {code, message, details}}` body; anything else (a proxy's HTML page) becomes a code from the status. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = body.error;
    if (error && typeof error.message === 'string') {
      const code = typeof error.code === 'string' && knownCodes.includes(error.code) ? (error.code as ApiErrorCode) : codeForStatus(response.status);
      return new ApiError(code, error.message, response.status, error.details);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(codeForStatus(response.status), `The server answered ${response.status} ${response.statusText}`.trim(), response.status);
}

function buildUrl(baseUrl: string, path: string, query?: Readonly<Record<string, string | number | undefined>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return `${baseUrl}/api${path}${search ? `?${search}` : ''}`;
}

/** Creates a client; every failure is thrown as an ApiError whose code says what kind of failure it is. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const baseUrl = options.baseUrl ?? '';

  async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<T> {
    const credentials: Record<string, string> = options.apiKey
      ? { authorization: `Bearer ${options.apiKey}` }
      : method !== 'GET' && options.csrfToken
        ? { 'x-csrf-token': options.csrfToken }
        : {};
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        credentials: 'same-origin',
        headers: { ...credentials, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new ApiError('network', `Could not reach the Patron server (${cause instanceof Error ? cause.message : String(cause)})`, 0);
    }
    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (error.code === 'unauthorized') options.onUnauthorized?.(error);
      throw error;
    }
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError('bad_response', 'The server answered with something that is not JSON', response.status);
    }
  }

  return {
    get: (path, query) => request('GET', buildUrl(baseUrl, path, query)),
    post: (path, body) => request('POST', buildUrl(baseUrl, path), body ?? {}),
    patch: (path, body) => request('PATCH', buildUrl(baseUrl, path), body),
    put: (path, body) => request('PUT', buildUrl(baseUrl, path), body),
    delete: (path) => request('DELETE', buildUrl(baseUrl, path)),
  };
}

import { createContext, useContext } from 'react';
import type { ApiClient } from './client.ts';

/** The signed-in API client; present below the sign-in gate. */
export const ApiClientContext = createContext<ApiClient | null>(null);

/** The API client of the signed-in console. */
export function useApiClient(): ApiClient {
  const client = useContext(ApiClientContext);
  if (!client) throw new Error('useApiClient is used outside the signed-in console');
  return client;
}

import type { Workspace } from '../../../src/access/index.ts';
import type { ApiClient } from './client.ts';
import type { Jsonified } from './payloads.ts';

export type WorkspaceInfo = Jsonified<Workspace>;

/** The workspace the key belongs to: its name, currency, country and time zone. */
export function fetchWorkspace(client: ApiClient): Promise<WorkspaceInfo> {
  return client.get<WorkspaceInfo>('/workspace');
}

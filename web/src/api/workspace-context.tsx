import { createContext, useContext } from 'react';
import type { WorkspaceInfo } from './workspace-api.ts';

/** The signed-in workspace; loaded once below the sign-in gate. */
export const WorkspaceContext = createContext<WorkspaceInfo | null>(null);

/** The signed-in workspace (its currency formats the money in lists). */
export function useWorkspace(): WorkspaceInfo {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace is used outside the signed-in console');
  return workspace;
}

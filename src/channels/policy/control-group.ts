import { createHash } from 'node:crypto';

/**
 * Whether a customer is in the workspace's global control group: a stable hash of (workspace, customer)
 * mapped to [0, 1) and compared with the share, so membership never changes while the share stays the same
 * and a larger share keeps everyone who was already in.
 */
export function inGlobalControlShare(workspaceId: number, customerId: number, share: number): boolean {
  if (share <= 0) return false;
  const digest = createHash('sha256').update(`global-control:${workspaceId}:${customerId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < share;
}

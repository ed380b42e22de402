import type { UserRole } from '../db/index.ts';

/**
 * Every permission a route can require. Add one here (and to the roles below) when a module needs a
 * right none of these describes; the route test lists this catalogue in its failure message.
 */
export const permissions = [
  'customers:read',
  'customers:write',
  'analytics:read',
  'analytics:write',
  'segments:read',
  'segments:write',
  'journeys:read',
  'journeys:write',
  'loyalty:read',
  'loyalty:write',
  'settings:read',
  'settings:write',
  'privacy:read',
  'privacy:erase',
  'keys:manage',
  'users:manage',
  'audit:read',
] as const;
export type Permission = (typeof permissions)[number];

export const roles = ['owner', 'admin', 'operator', 'analyst', 'viewer'] as const satisfies readonly UserRole[];
export type Role = UserRole;

const reads: readonly Permission[] = permissions.filter((p) => p.endsWith(':read') && p !== 'audit:read' && p !== 'privacy:read');

/**
 * The permission matrix, in one place. Owners and admins run the workspace (admins cannot touch owners,
 * see users.ts); operators run day-to-day marketing (customers, segments, journeys, loyalty); analysts
 * read everything and build segments and scoring runs; viewers only read. Personal data rights
 * (erasure) and the audit log belong to admins and owners.
 */
export const rolePermissions: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set(permissions),
  admin: new Set(permissions),
  operator: new Set([...reads, 'customers:write', 'segments:write', 'journeys:write', 'loyalty:write', 'privacy:read']),
  analyst: new Set([...reads, 'analytics:write', 'segments:write']),
  viewer: new Set(reads),
};

/** Whether a role holds a permission. */
export function roleAllows(role: Role, permission: Permission): boolean {
  return rolePermissions[role].has(permission);
}

/** What a secret key holds when created without scopes: everything except managing console users. */
export const defaultKeyScopes: readonly Permission[] = permissions.filter((p) => p !== 'users:manage');

/**
 * Who may do what through the HTTP API. Roles are ordered: each may do everything the one before it
 * may. viewer: reads; operator: also starts and cancels jobs, dry runs and validations; admin: also
 * manages connections and configs, imports, doctor fixes and history pruning.
 */
export const API_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export function roleAllows(held: ApiRole, needed: ApiRole): boolean {
  return API_ROLES.indexOf(held) >= API_ROLES.indexOf(needed);
}

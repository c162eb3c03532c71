import { del, get, pageMeta, post, put, query } from './client.js';
import type { Connection, ConnectionInput, ConnectionTestResult, DatabaseInfo, Job, JobEvent, PageMeta, Stats, SyncConfig, SyncConfigInput, SyncPlan, TableInfo, TableMapping, Zombie } from './types.js';

/** The routes of product.md the dashboard uses, one function each. */

const id = (s: string): string => encodeURIComponent(s);

export interface Page<T> {
  readonly items: T[];
  readonly meta: PageMeta;
}

export const connections = {
  list: async (): Promise<Connection[]> => (await get<Connection[]>('/connections')).data,
  create: async (input: ConnectionInput): Promise<Connection> => (await post<Connection>('/connections', input)).data,
  update: async (ref: string, input: ConnectionInput): Promise<Connection> => (await put<Connection>(`/connections/${id(ref)}`, input)).data,
  remove: async (ref: string): Promise<Connection> => (await del<Connection>(`/connections/${id(ref)}`)).data,
  test: async (ref: string): Promise<ConnectionTestResult> => (await post<ConnectionTestResult>(`/connections/${id(ref)}/test`)).data,
  testUnsaved: async (input: Omit<ConnectionInput, 'skip_test'>): Promise<ConnectionTestResult> => (await post<ConnectionTestResult>('/connections/test', input)).data,
  databases: async (ref: string): Promise<DatabaseInfo[]> => (await get<DatabaseInfo[]>(`/connections/${id(ref)}/databases`)).data,
  tables: async (ref: string, database: string): Promise<TableInfo[]> => (await get<TableInfo[]>(`/connections/${id(ref)}/tables${query({ database })}`)).data,
};

export const configs = {
  list: async (): Promise<SyncConfig[]> => (await get<SyncConfig[]>('/configs')).data,
  get: async (ref: string): Promise<SyncConfig> => (await get<SyncConfig>(`/configs/${id(ref)}`)).data,
  create: async (input: SyncConfigInput): Promise<SyncConfig> => (await post<SyncConfig>('/configs', input)).data,
  update: async (ref: string, input: SyncConfigInput): Promise<SyncConfig> => (await put<SyncConfig>(`/configs/${id(ref)}`, input)).data,
  remove: async (ref: string): Promise<SyncConfig> => (await del<SyncConfig>(`/configs/${id(ref)}`)).data,
  copy: async (ref: string, name: string): Promise<SyncConfig> => (await post<SyncConfig>(`/configs/${id(ref)}/copy`, { name })).data,
  reorder: async (ref: string, mappingIds: string[]): Promise<TableMapping[]> => (await put<TableMapping[]>(`/configs/${id(ref)}/mappings/reorder`, { mapping_ids: mappingIds })).data,
  dryRun: async (ref: string): Promise<SyncPlan> => (await post<SyncPlan>(`/configs/${id(ref)}/dry-run`)).data,
};

export interface JobFilter {
  readonly status?: string;
  readonly config_id?: string;
  readonly limit: number;
  readonly offset: number;
}

export const jobs = {
  start: async (configId: string): Promise<Job> => (await post<Job>('/jobs', { config_id: configId })).data,
  get: async (ref: string): Promise<Job> => (await get<Job>(`/jobs/${id(ref)}`)).data,
  active: async (): Promise<Job[]> => (await get<Job[]>('/jobs/active')).data,
  /** Filtered lists: `/jobs` (status and config), newest first. */
  list: async (filter: JobFilter): Promise<Page<Job>> => {
    const r = await get<Job[]>(`/jobs${query({ ...filter })}`);
    return { items: r.data, meta: pageMeta(r.meta, filter.limit) };
  },
  /** Finished jobs, most recently finished first. */
  history: async (filter: Omit<JobFilter, 'status'>): Promise<Page<Job>> => {
    const r = await get<Job[]>(`/jobs/history${query({ ...filter })}`);
    return { items: r.data, meta: pageMeta(r.meta, filter.limit) };
  },
  cancel: async (ref: string): Promise<{ outcome: string; job: Job }> => (await post<{ outcome: string; job: Job }>(`/jobs/${id(ref)}/cancel`)).data,
  logs: async (ref: string, options: { limit: number; offset: number; level?: string }): Promise<Page<JobEvent>> => {
    const r = await get<JobEvent[]>(`/jobs/${id(ref)}/logs${query({ ...options })}`);
    return { items: r.data, meta: pageMeta(r.meta, options.limit) };
  },
};

export const system = {
  stats: async (): Promise<Stats> => (await get<Stats>('/stats')).data,
  doctor: async (): Promise<Zombie[]> => (await get<{ zombies: Zombie[] }>('/doctor')).data.zombies,
  fix: async (): Promise<{ fixed: Zombie[]; remaining: Zombie[] }> => (await post<{ fixed: Zombie[]; remaining: Zombie[] }>('/doctor/fix')).data,
};

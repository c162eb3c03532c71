import { z } from 'zod';

/** `:id` of a connection, config or job: its id, or (connections, configs) its name. */
export const idParams = z.object({ id: z.string().min(1).max(128) }).strict();

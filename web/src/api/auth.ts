/**
 * The API token, kept in sessionStorage (gone when the tab closes) and sent as `Authorization:
 * Bearer …`. Any 401 from the API asks for it: the dashboard shows its token dialog while
 * `authRequired` holds, and pages reload once a token is saved.
 */
const KEY = 'dbferry.api_token';

type Listener = () => void;
const listeners = new Set<Listener>();
let required = false;
/** Bumped when a token is saved or cleared, so pages that failed with 401 load again. */
let generation = 0;

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

export function setToken(token: string | null): void {
  if (token === null || token.trim() === '') sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token.trim());
  required = false;
  generation += 1;
  notify();
}

/** Called by the client on a 401: the token is missing, wrong or expired. */
export function requireAuth(): void {
  if (required) return;
  required = true;
  notify();
}

export function authState(): { readonly required: boolean; readonly generation: number; readonly hasToken: boolean } {
  return { required, generation, hasToken: getToken() !== null };
}

export function onAuthChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of listeners) listener();
}

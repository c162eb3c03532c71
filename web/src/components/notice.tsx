import type { ComponentChildren, JSX } from 'preact';
import { ApiError } from '../api/client.js';

/** An ApiError, a stored `{code, message}` (a job's error) or anything thrown. */
function describe(error: unknown): { code: string | null; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    const { code, message } = error as { code: unknown; message: unknown };
    if (typeof code === 'string' && typeof message === 'string') return { code, message };
  }
  return { code: null, message: error instanceof Error ? error.message : String(error) };
}

/** An error as the API gave it: its DBF_ code and its one readable message. */
export function ErrorNotice({ error, title }: { readonly error: unknown; readonly title?: string }): JSX.Element | null {
  if (error === undefined || error === null) return null;
  const { code, message } = describe(error);
  return (
    <div class="notice notice-error" role="alert">
      {title ? <strong>{title} </strong> : null}
      {code ? <code class="error-code">{code}</code> : null} <span class="error-message">{message}</span>
    </div>
  );
}

export function Notice({ kind, children }: { readonly kind: 'ok' | 'info' | 'warn'; readonly children: ComponentChildren }): JSX.Element {
  return <div class={`notice notice-${kind}`} role="status">{children}</div>;
}

export function Loading({ what }: { readonly what?: string }): JSX.Element {
  return <p class="muted loading">Loading{what ? ` ${what}` : ''}…</p>;
}

export function Empty({ children }: { readonly children: ComponentChildren }): JSX.Element {
  return <p class="empty">{children}</p>;
}

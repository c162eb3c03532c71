import type { ComponentChildren, JSX } from 'preact';
import { useEffect } from 'preact/hooks';

/** A dialog over the page; Escape or the backdrop closes it (when `onClose` is given). */
export function Modal({ title, onClose, children, wide }: { readonly title: string; readonly onClose?: () => void; readonly children: ComponentChildren; readonly wide?: boolean }): JSX.Element {
  useEffect(() => {
    if (!onClose) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose?.()}>
      <div class={`modal${wide ? ' modal-wide' : ''}`} role="dialog" aria-modal="true" aria-label={title}>
        <header class="modal-head">
          <h2>{title}</h2>
          {onClose ? (
            <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
              ×
            </button>
          ) : null}
        </header>
        <div class="modal-body">{children}</div>
      </div>
    </div>
  );
}

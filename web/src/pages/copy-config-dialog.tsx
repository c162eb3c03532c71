import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { configs } from '../api/endpoints.js';
import type { SyncConfig } from '../api/types.js';
import { Modal } from '../components/modal.js';
import { ErrorNotice } from '../components/notice.js';

/** `POST /configs/:id/copy`: the same connections, tables and options under a new name. */
export function CopyConfigDialog({ config, onClose, onCopied }: { readonly config: SyncConfig; readonly onClose: () => void; readonly onCopied: (copy: SyncConfig) => void }): JSX.Element {
  const [name, setName] = useState(`${config.name} copy`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const submit = (e: Event): void => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    configs.copy(config.id, name.trim()).then(onCopied, (err: unknown) => {
      setBusy(false);
      setError(err);
    });
  };
  return (
    <Modal title={`Copy ${config.name}`} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          Name of the copy
          <input name="copy_name" value={name} required maxLength={128} autoFocus onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <p class="muted small">The copy writes the same target tables, so it cannot run while this config runs.</p>
        <ErrorNotice error={error} />
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Copying…' : 'Copy'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

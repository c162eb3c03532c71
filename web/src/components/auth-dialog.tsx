import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { authState, setToken } from '../api/auth.js';
import { Modal } from './modal.js';

/** Shown when the API answered 401: asks for the token, kept in this tab's sessionStorage only. */
export function AuthDialog(): JSX.Element {
  const [token, setValue] = useState('');
  const hadToken = authState().hasToken;
  const submit = (e: Event): void => {
    e.preventDefault();
    if (token.trim() !== '') setToken(token);
  };
  return (
    <Modal title="API token required">
      <form class="form" onSubmit={submit}>
        <p>{hadToken ? 'The server refused the token this tab had. ' : ''}This dbferry server needs an API token. Ask its administrator, or see <code>DBFERRY_API_TOKEN</code>.</p>
        <label>
          Token
          <input name="token" type="password" autoComplete="off" autoFocus value={token} onInput={(e) => setValue(e.currentTarget.value)} required />
        </label>
        <p class="muted small">Sent as <code>Authorization: Bearer …</code>, kept until this tab closes.</p>
        <div class="actions">
          <button type="submit" class="primary">
            Use token
          </button>
        </div>
      </form>
    </Modal>
  );
}

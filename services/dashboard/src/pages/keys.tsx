import { useState } from 'preact/hooks';
import { api, get } from '../api';
import { dateTime, relative } from '../format';
import type { Key, KeyWithSecret, PageProps, Workspace } from '../types';
import { asApiError, Card, ErrorBox, Loading, needs, useLoad } from '../ui';

export function KeysPage({ me, can }: PageProps) {
  const keys = useLoad(() => get<{ data: Key[] }>('/keys'), []);
  const [secret, setSecret] = useState<KeyWithSecret | null>(null);
  const [error, setError] = useState<ReturnType<typeof asApiError> | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const writable = can('keys.write');

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    setConfirm(null);
    try {
      await fn();
    } catch (e) {
      setError(asApiError(e));
    }
    keys.reload();
  };

  return (
    <>
      <header class="page">
        <h1>Keys</h1>
      </header>
      {secret && <SecretOnce created={secret} onDone={() => setSecret(null)} />}
      {writable ? (
        <CreateKey me={me} can={can} onCreated={(k) => (setSecret(k), keys.reload())} />
      ) : (
        <p class="muted" title={needs('keys.write')}>
          Read-only: {needs('keys.write')}
        </p>
      )}
      <ErrorBox error={error ?? keys.error} />
      <Loading when={keys.loading && !keys.data} />
      {keys.data && (
        <table class="keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Owner</th>
              <th>Scopes</th>
              <th>Status</th>
              <th>Last used</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.data.data.map((k) => (
              <tr key={k.key_id} data-key-id={k.key_id} data-key-name={k.name}>
                <td>
                  {k.name} <span class="muted">({k.kind})</span>
                </td>
                <td class="mono">{k.prefix}…</td>
                <td>{k.owner}</td>
                <td class="scopes" title={k.scopes.join(', ')}>
                  {k.scopes.length > 5 ? `${k.scopes.length} scopes` : k.scopes.join(', ')}
                </td>
                <td>
                  <span class={`badge ${k.status === 'active' ? 'ok' : 'bad'}`}>{k.status}</span>
                </td>
                <td>{k.last_used_at ? relative(k.last_used_at) : 'never'}</td>
                <td>{k.expires_at ? dateTime(k.expires_at) : 'never'}</td>
                <td class="actions">
                  {k.status === 'active' && writable && k.key_id !== me.key_id && (
                    <>
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => act(async () => setSecret(await api<KeyWithSecret>('POST', `/keys/${k.key_id}/rotate`, {})))}
                      >
                        Rotate
                      </button>
                      {confirm === k.key_id ? (
                        <button type="button" class="danger" onClick={() => act(() => api('POST', `/keys/${k.key_id}/revoke`))}>
                          Confirm revoke
                        </button>
                      ) : (
                        <button type="button" class="secondary" onClick={() => setConfirm(k.key_id)}>
                          Revoke
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The one time a secret is shown: the API never returns it again, and nothing here keeps it after "Done". */
function SecretOnce({ created, onDone }: { created: KeyWithSecret; onDone: () => void }) {
  return (
    <div class="secret" role="status">
      <p>
        <strong>Secret for “{created.name}”.</strong> Copy it now: it is shown once and cannot be retrieved again.
        {created.previous_secret_expires_at && ` The previous secret works until ${dateTime(created.previous_secret_expires_at)}.`}
      </p>
      <input class="mono" readOnly value={created.secret} aria-label="New secret" onFocus={(e) => e.currentTarget.select()} />
      <div class="buttons">
        <button type="button" class="secondary" onClick={() => navigator.clipboard?.writeText(created.secret)}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function CreateKey({ me, can, onCreated }: PageProps & { onCreated: (k: KeyWithSecret) => void }) {
  const org = me.type === 'organisation';
  const workspaces = useLoad(() => (can('workspaces.read') ? get<{ data: Workspace[] }>('/workspaces') : Promise.resolve({ data: [] })), []);
  const [form, setForm] = useState({ name: '', type: 'workspace', workspace_id: me.workspace_id ?? '', scopes: ['completions'] as string[] });
  const [error, setError] = useState<ReturnType<typeof asApiError> | null>(null);
  return (
    <Card title="Create a key">
      <form
        class="create-key"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const body = {
              name: form.name,
              type: form.type,
              scopes: form.scopes,
              ...(form.type === 'workspace' && form.workspace_id ? { workspace_id: form.workspace_id } : {}),
            };
            onCreated(await api<KeyWithSecret>('POST', '/keys', body));
            setForm({ ...form, name: '' });
          } catch (err) {
            setError(asApiError(err));
          }
        }}
      >
        <label>
          Name
          <input name="name" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </label>
        {org && (
          <label>
            Type
            <select name="type" value={form.type} onChange={(e) => setForm({ ...form, type: e.currentTarget.value })}>
              <option value="workspace">workspace</option>
              <option value="organisation">organisation</option>
            </select>
          </label>
        )}
        {org && form.type === 'workspace' && (
          <label>
            Workspace
            <input
              name="workspace_id"
              list="workspace-ids"
              value={form.workspace_id}
              onInput={(e) => setForm({ ...form, workspace_id: e.currentTarget.value })}
              required
            />
            <datalist id="workspace-ids">
              {workspaces.data?.data.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </datalist>
          </label>
        )}
        <fieldset>
          <legend>Scopes</legend>
          {/* A key can grant only the scopes it holds itself (and completions). */}
          {[...new Set(['completions', ...me.scopes])].map((s) => (
            <label key={s} class="inline">
              <input
                type="checkbox"
                name="scope"
                value={s}
                checked={form.scopes.includes(s)}
                onChange={(e) => setForm({ ...form, scopes: e.currentTarget.checked ? [...form.scopes, s] : form.scopes.filter((x) => x !== s) })}
              />{' '}
              {s}
            </label>
          ))}
        </fieldset>
        <button type="submit">Create key</button>
        <ErrorBox error={error} />
      </form>
    </Card>
  );
}

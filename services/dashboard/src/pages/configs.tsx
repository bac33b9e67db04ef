import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, api, get } from '../api';
import { dateTime } from '../format';
import { type Problem, problemsOf } from '../json-path';
import type { ConfigWritten, PageProps, StoredConfig } from '../types';
import { asApiError, ErrorBox, Loading, needs, useLoad } from '../ui';

const NEW = '\u0000new';

/** Routing configs: pick one, edit its JSON, save; the API validates and its problems are shown at their paths. */
export function ConfigsPage({ can }: PageProps) {
  const list = useLoad(() => get<{ data: StoredConfig[] }>('/configs'), []);
  const [selected, setSelected] = useState<string | null>(null);
  const configs = list.data?.data ?? [];
  const current = configs.find((c) => c.id === selected);
  useEffect(() => {
    if (selected === null && configs.length) setSelected(configs[0].id);
  }, [selected, configs]);
  return (
    <>
      <header class="page">
        <h1>Configs</h1>
        {can('configs.write') ? (
          <button type="button" class="secondary" onClick={() => setSelected(NEW)}>
            New config
          </button>
        ) : (
          <span class="muted">Read-only: {needs('configs.write')}</span>
        )}
      </header>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      <div class="split">
        <ul class="picker" aria-label="Configs">
          {configs.map((c) => (
            <li key={c.id}>
              <button type="button" class={c.id === selected ? 'active' : ''} onClick={() => setSelected(c.id)} data-config-id={c.id}>
                <strong>{c.id}</strong>
                <span class="muted">
                  v{c.version} · {c.workspace_id ?? 'shared'}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {selected && (
          <Editor
            key={selected}
            config={selected === NEW ? undefined : current}
            writable={can('configs.write')}
            onSaved={(id) => (setSelected(id), list.reload())}
          />
        )}
      </div>
    </>
  );
}

function Editor({ config, writable, onSaved }: { config?: StoredConfig; writable: boolean; onSaved: (id: string) => void }) {
  const [id, setId] = useState(config?.id ?? '');
  const [owner, setOwner] = useState(config?.workspace_id ?? '');
  const [text, setText] = useState(JSON.stringify(config?.config ?? { provider: '@vertex-prod' }, null, 2));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<ConfigWritten | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const bad = new Set(problems.map((p) => p.line).filter((l) => l !== undefined));
  const lineCount = text.split('\n').length;

  useEffect(() => {
    if (gutter.current && area.current) gutter.current.scrollTop = area.current.scrollTop;
  });

  const save = async () => {
    setError(null);
    setProblems([]);
    setSaved(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      setProblems([{ path: '', message: `Not valid JSON: ${(e as Error).message}` }]);
      return;
    }
    try {
      const body = { config: parsed, ...(owner ? { workspace_id: owner } : {}) };
      const written = config
        ? await api<ConfigWritten>('PUT', `/configs/${encodeURIComponent(config.id)}`, { ...body, version: config.version })
        : await api<ConfigWritten>('POST', '/configs', { id, ...body });
      setSaved(written);
      onSaved(written.id);
    } catch (e) {
      const err = asApiError(e);
      if (err.status === 400 && /routing config|request body/.test(err.message)) setProblems(problemsOf(err.message, text));
      setError(err);
    }
  };

  return (
    <div class="editor">
      <div class="row">
        {config ? (
          <h2>
            {config.id} <span class="muted">v{config.version}</span>
          </h2>
        ) : (
          <label>
            Id
            <input name="config-id" value={id} onInput={(e) => setId(e.currentTarget.value)} required />
          </label>
        )}
        <label>
          Workspace <span class="muted">(empty: shared)</span>
          <input name="workspace" value={owner} disabled={Boolean(config)} onInput={(e) => setOwner(e.currentTarget.value)} />
        </label>
        {config?.updated_at && <span class="muted">updated {dateTime(config.updated_at)}</span>}
      </div>
      <div class="code">
        <div class="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} class={bad.has(i + 1) ? 'bad' : ''}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          name="config"
          spellcheck={false}
          readOnly={!writable}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onScroll={(e) => gutter.current && (gutter.current.scrollTop = e.currentTarget.scrollTop)}
        />
      </div>
      {problems.length > 0 && (
        <ul class="problems" aria-label="Problems">
          {problems.map((p, i) => (
            <li key={i} data-path={p.path}>
              {p.line !== undefined && <span class="line">line {p.line}</span>} <code>{p.path || '(config)'}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={error} />
      {saved && (
        <div class="saved" role="status">
          Saved version {saved.version}.{saved.warnings.length > 0 && ` Warnings: ${saved.warnings.join('; ')}`}
        </div>
      )}
      {writable && (
        <button type="button" onClick={save}>
          {config ? 'Save' : 'Create'}
        </button>
      )}
    </div>
  );
}

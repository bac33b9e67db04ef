import { get } from '../api';
import { dateTime, int, ms, usd } from '../format';
import type { RequestLog } from '../types';
import { ErrorBox, Loading, useLoad } from '../ui';

/** One request: what it was, how long each part took, every attempt, and its bodies when captured. */
export function LogDetail({ id, onClose, onSession }: { id: string; onClose: () => void; onSession: (id: string) => void }) {
  const log = useLoad(() => get<RequestLog>(`/logs/${encodeURIComponent(id)}`), [id]);
  const r = log.data;
  const longest = r ? Math.max(r.latency_ms, ...r.attempts.map((a) => a.latency_ms ?? 0), 1) : 1;
  return (
    <aside class="panel" aria-label="Request detail">
      <header>
        <h2>Request</h2>
        <button type="button" class="link" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </header>
      <ErrorBox error={log.error} />
      <Loading when={log.loading} />
      {r && (
        <>
          <dl class="facts">
            <dt>Request id</dt>
            <dd class="mono">{r.id}</dd>
            <dt>Time</dt>
            <dd>{dateTime(r.timestamp)}</dd>
            <dt>Status</dt>
            <dd>
              {r.status} {r.outcome}
              {r.error_type ? ` (${r.error_type})` : ''}
            </dd>
            <dt>Model</dt>
            <dd>
              {r.model_requested}
              {r.model_upstream && r.model_upstream !== r.model_requested ? ` → ${r.model_upstream}` : ''}
            </dd>
            <dt>Key</dt>
            <dd>
              {r.key_name} <span class="muted mono">{r.key_id}</span>
            </dd>
            <dt>Workspace</dt>
            <dd>{r.workspace_id ?? '–'}</dd>
            <dt>Provider</dt>
            <dd>{r.provider ?? '–'}</dd>
            <dt>Trace id</dt>
            <dd class="mono">{r.trace_id ?? '–'}</dd>
            <dt>Session</dt>
            <dd>
              {r.session_id ? (
                <button type="button" class="link mono" onClick={() => onSession(r.session_id!)}>
                  {r.session_id}
                </button>
              ) : (
                '–'
              )}
            </dd>
            <dt>Cost</dt>
            <dd>{usd(r.cost_micros)}</dd>
            <dt>Cache</dt>
            <dd>
              {r.cache?.status ?? '–'}
              {r.cache?.saved_micros ? `, saved ${usd(r.cache.saved_micros)}` : ''}
            </dd>
          </dl>

          <h3>Timings</h3>
          <div class="timing">
            <Bar label="time to first byte" value={r.ttfb_ms} of={longest} kind="ttfb" />
            <Bar label="total" value={r.latency_ms} of={longest} kind="total" />
          </div>

          <h3>Attempts ({r.attempts.length})</h3>
          <table class="attempts">
            <thead>
              <tr>
                <th>#</th>
                <th>Target</th>
                <th>Status</th>
                <th class="num">Latency</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {r.attempts.map((a, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td>{a.provider ?? a.target}</td>
                  <td>
                    <span class={`badge ${a.status && a.status < 400 ? 'ok' : 'bad'}`}>{a.status}</span>
                  </td>
                  <td class="num">{ms(a.latency_ms)}</td>
                  <td>{a.error_type ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>Tokens</h3>
          <dl class="facts">
            <dt>Input</dt>
            <dd>{int(r.usage.input)}</dd>
            <dt>Output</dt>
            <dd>{int(r.usage.output)}</dd>
            <dt>Cache read</dt>
            <dd>{int(r.usage.cache_read)}</dd>
            <dt>Cache write</dt>
            <dd>
              {int(r.usage.cache_write_5m)} (5 min) + {int(r.usage.cache_write_1h)} (1 h)
            </dd>
          </dl>

          {r.metadata && Object.keys(r.metadata).length > 0 && (
            <>
              <h3>Metadata</h3>
              <dl class="facts">{Object.entries(r.metadata).map(([k, v]) => [<dt key={`k${k}`}>{k}</dt>, <dd key={`v${k}`}>{v}</dd>])}</dl>
            </>
          )}
          {r.guardrails && r.guardrails.length > 0 && (
            <>
              <h3>Guardrails</h3>
              <ul>
                {r.guardrails.map((g) => (
                  <li key={`${g.id}${g.location}`}>
                    {g.id}: {g.action} ({g.detector}) at {g.location}
                  </li>
                ))}
              </ul>
            </>
          )}
          {r.bodies &&
            Object.entries(r.bodies).map(([which, b]) => (
              <details key={which}>
                <summary>
                  {which} body ({b.content_type}
                  {b.truncated ? ', truncated' : ''})
                </summary>
                <pre>{b.text}</pre>
              </details>
            ))}
        </>
      )}
    </aside>
  );
}

function Bar({ label, value, of, kind }: { label: string; value?: number; of: number; kind: string }) {
  return (
    <div class="bar-row">
      <span class="bar-label">{label}</span>
      <span class="bar-track">
        <span class={`bar-fill ${kind}`} style={{ width: `${Math.min(100, ((value ?? 0) / of) * 100)}%` }} />
      </span>
      <span class="num">{ms(value)}</span>
    </div>
  );
}

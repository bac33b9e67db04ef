import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';

/** Loads with `fn` whenever `deps` change; the last answer or error, and a way to load again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error: asApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
    // `deps` lists what `fn` reads, as for useEffect.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'client_error', (e as Error)?.message ?? String(e));
}

/** An API error as the gateway gave it: type, status, message and request id (for the logs). */
export function ErrorBox({ error }: { error?: ApiError | null }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>
        {error.type}
        {error.status ? ` (HTTP ${error.status})` : ''}
      </strong>
      : {error.message}
      {error.requestId && <span class="muted"> — request {error.requestId}</span>}
    </div>
  );
}

export function Card({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Why a control is unavailable: the scope the signed-in key lacks. */
export function needs(scope: string): string {
  return `Your key lacks the "${scope}" scope.`;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted">Loading…</p> : null;
}

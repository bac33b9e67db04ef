import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, session, whenUnauthorised } from './api';
import { BudgetsPage } from './pages/budgets';
import { ConfigsPage } from './pages/configs';
import { KeysPage } from './pages/keys';
import { LogsPage } from './pages/logs';
import { OverviewPage } from './pages/overview';
import { ProvidersPage } from './pages/providers';
import { navigate, usePath } from './router';
import type { Key } from './types';
import { ErrorBox } from './ui';
import { zone } from './zone';

/** The pages, their paths under /dashboard, and the scope each needs to be opened. */
const PAGES = [
  { path: '', title: 'Overview', scope: 'analytics.view', Page: OverviewPage },
  { path: 'logs', title: 'Logs', scope: 'logs.view', Page: LogsPage },
  { path: 'budgets', title: 'Budgets', scope: 'budgets.read', Page: BudgetsPage },
  { path: 'keys', title: 'Keys', scope: 'keys.read', Page: KeysPage },
  { path: 'configs', title: 'Configs', scope: 'configs.read', Page: ConfigsPage },
  { path: 'providers', title: 'Providers', scope: 'providers.read', Page: ProvidersPage },
];

export function App() {
  // After a reload the page renders at once with the key's view from this tab's session, and checks it again meanwhile.
  const [me, setMe] = useState<Key | null>(() => (session.key() ? session.me<Key>() : null));
  const [error, setError] = useState<ApiError | null>(null);
  const [checking, setChecking] = useState(Boolean(session.key()) && !me);

  const signIn = async (key: string) => {
    setError(null);
    try {
      const who = await api<Key>('GET', '/me', undefined, key);
      session.set(key, who);
      setMe(who);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const signOut = (why?: ApiError) => {
    session.clear();
    setMe(null);
    setError(why ?? null);
  };

  useEffect(() => {
    whenUnauthorised(signOut);
    const key = session.key();
    if (key) signIn(key).finally(() => setChecking(false));
  }, []);

  if (checking) return <p class="muted center">Signing in…</p>;
  if (!me) return <SignIn onSubmit={signIn} error={error} />;
  return <Shell me={me} onSignOut={() => signOut()} />;
}

function SignIn({ onSubmit, error }: { onSubmit: (key: string) => void; error: ApiError | null }) {
  const [key, setKey] = useState('');
  return (
    <main class="signin">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(key.trim());
        }}
      >
        <h1>Gatehouse</h1>
        <p class="muted">Sign in with an admin key. It is kept in this tab's session storage only, and sent only to this gateway.</p>
        <label>
          Admin key
          <input name="key" type="password" autocomplete="off" placeholder="gth_…" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
        </label>
        <button type="submit">Sign in</button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

function Shell({ me, onSignOut }: { me: Key; onSignOut: () => void }) {
  const path = usePath();
  const [, rerender] = useState(0);
  const can = (scope: string) => me.scopes.includes(scope);
  const page = PAGES.find((p) => p.path === path) ?? PAGES[0];
  return (
    <div class="shell">
      <nav>
        <div class="brand">Gatehouse</div>
        {PAGES.map((p) =>
          can(p.scope) ? (
            <a
              key={p.path}
              href={`/dashboard/${p.path}`}
              class={p === page ? 'active' : ''}
              onClick={(e) => {
                e.preventDefault();
                navigate(p.path);
              }}
            >
              {p.title}
            </a>
          ) : (
            <span key={p.path} class="disabled" title={`Your key lacks the "${p.scope}" scope.`}>
              {p.title}
            </span>
          ),
        )}
        <div class="who">
          <div>
            <strong>{me.name}</strong>
          </div>
          <div class="muted">{me.type === 'organisation' ? 'organisation key' : `workspace ${me.workspace_id}`}</div>
          <label class="muted">
            Times in{' '}
            <select
              value={zone.get() === 'UTC' ? 'UTC' : 'local'}
              onChange={(e) => {
                zone.set(e.currentTarget.value as 'UTC' | 'local');
                rerender((n) => n + 1);
              }}
            >
              <option value="local">{zone.local}</option>
              <option value="UTC">UTC</option>
            </select>
          </label>
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </nav>
      <main key={`${page.path}-${zone.get()}`}>
        {can(page.scope) ? (
          <page.Page me={me} can={can} />
        ) : (
          <ErrorBox error={new ApiError(403, 'permission_error', `Your key lacks the "${page.scope}" scope needed for ${page.title}.`)} />
        )}
      </main>
    </div>
  );
}

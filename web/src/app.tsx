import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { authState, onAuthChange } from './api/auth.js';
import { AuthDialog } from './components/auth-dialog.js';
import { LiveIndicator } from './components/live-indicator.js';
import { restartLive } from './live/live-hub.js';
import { Link, match, useLocation } from './lib/router.js';
import { ConfigEditorPage } from './pages/config-editor-page.js';
import { ConfigsPage } from './pages/configs-page.js';
import { ConnectionsPage } from './pages/connections-page.js';
import { DoctorPage } from './pages/doctor-page.js';
import { HistoryPage } from './pages/history-page.js';
import { JobPage } from './pages/job-page.js';
import { OverviewPage } from './pages/overview-page.js';

const NAV: ReadonlyArray<readonly [string, string]> = [
  ['/', 'Overview'],
  ['/connections', 'Connections'],
  ['/configs', 'Sync configs'],
  ['/jobs', 'History'],
  ['/doctor', 'Doctor'],
];

function page(path: string, query: URLSearchParams): JSX.Element {
  if (path === '/') return <OverviewPage />;
  if (path === '/connections') return <ConnectionsPage />;
  if (path === '/configs') return <ConfigsPage />;
  if (path === '/configs/new') return <ConfigEditorPage id={null} />;
  const config = match('/configs/:id', path);
  if (config?.id) return <ConfigEditorPage id={config.id} />;
  if (path === '/jobs') return <HistoryPage query={query} />;
  const job = match('/jobs/:id', path);
  if (job?.id) return <JobPage id={job.id} />;
  if (path === '/doctor') return <DoctorPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Back to the overview</Link>.
      </p>
    </section>
  );
}

const isCurrent = (href: string, path: string): boolean => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));

export function App(): JSX.Element {
  const { path, query } = useLocation();
  const [auth, setAuth] = useState(authState);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    let generation = authState().generation;
    const off = onAuthChange(() => {
      const next = authState();
      if (next.generation !== generation) {
        generation = next.generation;
        restartLive();
      }
      setAuth(next);
    });
    setAuth(authState()); // a 401 that came before this effect ran still opens the dialog
    return off;
  }, []);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          <span>dbferry</span>
        </Link>
        <button type="button" class="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="nav" class={`nav${menuOpen ? ' nav-open' : ''}`} aria-label="Main">
          {NAV.map(([href, label]) => (
            <Link key={href} href={href} class={isCurrent(href, path) ? 'active' : ''} aria-current={isCurrent(href, path) ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <LiveIndicator />
      </header>
      {/* The generation key remounts the page after a new token, so what failed with 401 loads again. */}
      <main class="content" key={`${auth.generation}`}>
        {page(path, query)}
      </main>
      {auth.required ? <AuthDialog /> : null}
    </div>
  );
}

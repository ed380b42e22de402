import { App as AntApp, ConfigProvider, Skeleton } from 'antd';
import { useCallback, useMemo, useRef, useState } from 'react';
import { ApiClientContext } from './api/api-context.tsx';
import { createApiClient } from './api/client.ts';
import { useRequest } from './api/use-request.ts';
import { fetchWorkspace } from './api/workspace-api.ts';
import { WorkspaceContext } from './api/workspace-context.tsx';
import { forgetApiKey, readApiKey, saveApiKey } from './auth/api-key-storage.ts';
import { AppShell, type Section } from './components/app-shell.tsx';
import { ErrorAlert } from './components/error-alert.tsx';
import { antdLocaleOf } from './i18n/antd-locale.ts';
import { useLanguage } from './i18n/use-language.ts';
import { CustomerPage } from './pages/customer-page.tsx';
import { CustomersPage } from './pages/customers-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview/overview-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { customersPath, parseRoute, type Route } from './routing/routes.ts';
import { useLocation } from './routing/use-location.ts';
import { consoleTheme } from './theme.ts';

/** The console: Ant Design in the console language, the key gate, then the page for the address. */
export function ConsoleApp() {
  const language = useLanguage();
  const [apiKey, setApiKey] = useState<string | null>(() => readApiKey());
  const [keyRevoked, setKeyRevoked] = useState(false);

  const signOut = useCallback(() => {
    forgetApiKey();
    setApiKey(null);
  }, []);
  const keyRejected = useCallback(() => {
    setKeyRevoked(true);
    signOut();
  }, [signOut]);

  // autoInsertSpace off: antd would write "继 续" for 继续, which reads oddly and breaks the button's name.
  return (
    <ConfigProvider locale={antdLocaleOf(language)} theme={consoleTheme} button={{ autoInsertSpace: false }}>
      <AntApp>
        {apiKey === null ? (
          <SignInPage
            keyRevoked={keyRevoked}
            onSignedIn={(key) => {
              saveApiKey(key);
              setKeyRevoked(false);
              setApiKey(key);
            }}
          />
        ) : (
          <SignedInConsole apiKey={apiKey} onSignOut={signOut} onKeyRejected={keyRejected} />
        )}
      </AntApp>
    </ConfigProvider>
  );
}

function SignedInConsole({ apiKey, onSignOut, onKeyRejected }: { apiKey: string; onSignOut: () => void; onKeyRejected: () => void }) {
  const location = useLocation();
  const route = parseRoute(location.pathname);
  // A rejected key (revoked since sign-in) sends the user back to the key form.
  const client = useMemo(() => createApiClient({ apiKey, onUnauthorized: onKeyRejected }), [apiKey, onKeyRejected]);
  const q = location.search.get('q') ?? '';
  const tag = location.search.get('tag') ?? undefined;
  // The 360's back link returns to the list as it was filtered.
  const listPath = useRef(customersPath());
  if (route.kind === 'customers') listPath.current = customersPath({ q, tag });

  const workspace = useRequest(apiKey, () => fetchWorkspace(client));

  return (
    <ApiClientContext.Provider value={client}>
      <AppShell section={sectionOf(route)} workspaceName={workspace.data?.name} onSignOut={onSignOut}>
        {workspace.error && !workspace.data ? <ErrorAlert error={workspace.error} onRetry={workspace.reload} /> : null}
        {!workspace.data && !workspace.error ? <Skeleton active /> : null}
        {workspace.data ? (
          <WorkspaceContext.Provider value={workspace.data}>
            {route.kind === 'home' || route.kind === 'overview' ? <OverviewPage key={route.kind} home={route.kind === 'home'} search={location.search} /> : null}
            {route.kind === 'customers' ? <CustomersPage q={q} tag={tag} /> : null}
            {route.kind === 'customer' ? <CustomerPage key={route.id} id={route.id} backTo={listPath.current} /> : null}
            {route.kind === 'not_found' ? <NotFoundPage /> : null}
          </WorkspaceContext.Provider>
        ) : null}
      </AppShell>
    </ApiClientContext.Provider>
  );
}

/** The sidebar entry a page belongs to. */
function sectionOf(route: Route): Section | undefined {
  if (route.kind === 'home' || route.kind === 'overview') return 'overview';
  if (route.kind === 'customers' || route.kind === 'customer') return 'customers';
  return undefined;
}

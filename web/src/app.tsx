import { App as AntApp, ConfigProvider, Skeleton } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from './api/api-error.ts';
import { ApiClientContext } from './api/api-context.tsx';
import { createApiClient } from './api/client.ts';
import { useRequest } from './api/use-request.ts';
import { fetchWorkspace } from './api/workspace-api.ts';
import { WorkspaceContext } from './api/workspace-context.tsx';
import { forgetApiKey, readApiKey, saveApiKey } from './auth/api-key-storage.ts';
import { ChangePasswordModal } from './auth/change-password-modal.tsx';
import { fetchSession, signOut as endSession, type SessionInfo } from './auth/session-api.ts';
import { AppShell, type Section, type SettingsSection } from './components/app-shell.tsx';
import { ErrorAlert } from './components/error-alert.tsx';
import { antdLocaleOf } from './i18n/antd-locale.ts';
import { useLanguage } from './i18n/use-language.ts';
import { CampaignComposerPage } from './pages/campaigns/campaign-composer-page.tsx';
import { CampaignPage } from './pages/campaigns/campaign-page.tsx';
import { CampaignsListPage } from './pages/campaigns/campaigns-list-page.tsx';
import { CustomerPage } from './pages/customer-page.tsx';
import { CustomersPage } from './pages/customers-page.tsx';
import { JourneyEditorPage } from './pages/journeys/journey-editor-page.tsx';
import { JourneysListPage } from './pages/journeys/journeys-list-page.tsx';
import { LoyaltyPage } from './pages/loyalty/loyalty-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview/overview-page.tsx';
import { SegmentDetailPage } from './pages/segments/segment-detail-page.tsx';
import { SegmentEditorPage } from './pages/segments/segment-editor-page.tsx';
import { SegmentsListPage } from './pages/segments/segments-list-page.tsx';
import { ApiKeysPage } from './pages/settings/api-keys-page.tsx';
import { AuditLogPage } from './pages/settings/audit-log-page.tsx';
import { ChannelsPage } from './pages/settings/channels-page.tsx';
import { ContactPolicyPage } from './pages/settings/contact-policy-page.tsx';
import { MessageLogPage } from './pages/settings/message-log-page.tsx';
import { UsersPage } from './pages/settings/users-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { AcceptInvitePage } from './pages/accept-invite-page.tsx';
import { ResetPasswordPage } from './pages/reset-password-page.tsx';
import { WorkspaceSwitcher } from './components/workspace-switcher.tsx';
import { customersPath, parseRoute, type Route } from './routing/routes.ts';
import { navigate, useLocation } from './routing/use-location.ts';
import { consoleTheme } from './theme.ts';

/** How the console is signed in: the session cookie (with its CSRF token), or a secret key kept in this browser. */
type Auth = { readonly kind: 'session'; readonly csrfToken: string } | { readonly kind: 'key'; readonly apiKey: string };

/** The console: Ant Design in the console language, the sign-in gate, then the page for the address. */
export function ConsoleApp() {
  const language = useLanguage();
  // undefined while checking for a session cookie; null when nobody is signed in.
  const [auth, setAuth] = useState<Auth | null | undefined>(() => {
    const apiKey = readApiKey();
    return apiKey === null ? undefined : { kind: 'key', apiKey };
  });
  const [keyRevoked, setKeyRevoked] = useState(false);
  const [sessionEnded, setSessionEnded] = useState(false);
  // Invitation and password reset links open their own pages, signed in or not.
  const { pathname } = useLocation();
  const linkPage = pathname === '/accept-invite' ? 'accept' : pathname === '/reset-password' ? 'reset' : undefined;

  useEffect(() => {
    if (auth !== undefined) return;
    let current = true;
    fetchSession(createApiClient({})).then(
      (session) => current && setAuth(session.csrfToken ? { kind: 'session', csrfToken: session.csrfToken } : null),
      () => current && setAuth(null),
    );
    return () => {
      current = false;
    };
  }, [auth]);

  const signOut = useCallback(() => {
    if (auth?.kind === 'session') void endSession(createApiClient({ csrfToken: auth.csrfToken })).catch(() => undefined);
    forgetApiKey();
    setAuth(null);
  }, [auth]);
  const rejected = useCallback(() => {
    if (auth?.kind === 'key') setKeyRevoked(true);
    else setSessionEnded(true);
    forgetApiKey();
    setAuth(null);
  }, [auth]);
  const signedIn = (session: SessionInfo) => {
    setKeyRevoked(false);
    setSessionEnded(false);
    setAuth(session.csrfToken ? { kind: 'session', csrfToken: session.csrfToken } : null);
  };

  // autoInsertSpace off: antd would write "继 续" for 继续, which reads oddly and breaks the button's name.
  return (
    <ConfigProvider locale={antdLocaleOf(language)} theme={consoleTheme} button={{ autoInsertSpace: false }}>
      <AntApp>
        {linkPage === 'accept' ? (
          <AcceptInvitePage
            onSignedIn={(session) => {
              signedIn(session);
              navigate('/', { replace: true });
            }}
          />
        ) : null}
        {linkPage === 'reset' ? (
          <ResetPasswordPage
            onDone={() => {
              // The reset ended every session of the account, this browser's included: check again.
              if (auth?.kind === 'session') setAuth(undefined);
              navigate('/', { replace: true });
            }}
          />
        ) : null}
        {!linkPage && auth === undefined ? <Skeleton active style={{ padding: 48 }} /> : null}
        {!linkPage && auth === null ? (
          <SignInPage
            keyRevoked={keyRevoked}
            sessionEnded={sessionEnded}
            onSignedIn={signedIn}
            onKey={(key) => {
              saveApiKey(key);
              setKeyRevoked(false);
              setAuth({ kind: 'key', apiKey: key });
            }}
          />
        ) : null}
        {!linkPage && auth ? (
          <SignedInConsole
            // A switch of workspace brings a new session: start the pages afresh, so nothing of the other workspace stays on screen.
            key={auth.kind === 'session' ? auth.csrfToken : 'key'}
            auth={auth}
            onSignOut={signOut}
            onRejected={rejected}
            onSwitched={(session) => {
              signedIn(session);
              navigate('/');
            }}
          />
        ) : null}
      </AntApp>
    </ConfigProvider>
  );
}

const settingsPermissions: Readonly<Record<SettingsSection, string>> = { users: 'users:manage', keys: 'keys:manage', audit: 'audit:read', channels: 'settings:read', contact: 'settings:read', messages: 'journeys:read' };

function SignedInConsole({ auth, onSignOut, onRejected, onSwitched }: { auth: Auth; onSignOut: () => void; onRejected: () => void; onSwitched: (session: SessionInfo) => void }) {
  const location = useLocation();
  const route = parseRoute(location.pathname);
  // A rejected key or an ended session sends the user back to the sign-in form.
  const client = useMemo(
    () => createApiClient({ ...(auth.kind === 'key' ? { apiKey: auth.apiKey } : { csrfToken: auth.csrfToken }), onUnauthorized: onRejected }),
    [auth, onRejected],
  );
  const q = location.search.get('q') ?? '';
  const tag = location.search.get('tag') ?? undefined;
  // The 360's back link returns to the list as it was filtered.
  const listPath = useRef(customersPath());
  if (route.kind === 'customers') listPath.current = customersPath({ q, tag });

  const authKey = auth.kind === 'key' ? auth.apiKey : auth.csrfToken;
  const workspace = useRequest(authKey, () => fetchWorkspace(client));
  const session = useRequest(`session|${authKey}`, () => fetchSession(client).catch((error: unknown) => (error instanceof ApiError ? undefined : Promise.reject(error))));
  const permissions = new Set<string>(session.data?.permissions ?? []);
  const settings = (Object.keys(settingsPermissions) as SettingsSection[]).filter((s) => permissions.has(settingsPermissions[s]));
  const [changingPassword, setChangingPassword] = useState(false);

  return (
    <ApiClientContext.Provider value={client}>
      <AppShell
        section={sectionOf(route)}
        workspaceName={workspace.data?.name}
        settings={settings}
        userName={session.data?.user?.name}
        workspaceSwitcher={auth.kind === 'session' ? <WorkspaceSwitcher onSwitched={onSwitched} /> : undefined}
        onChangePassword={session.data?.user ? () => setChangingPassword(true) : undefined}
        onSignOut={onSignOut}
      >
        <ChangePasswordModal open={changingPassword} onClose={() => setChangingPassword(false)} />
        {workspace.error && !workspace.data ? <ErrorAlert error={workspace.error} onRetry={workspace.reload} /> : null}
        {!workspace.data && !workspace.error ? <Skeleton active /> : null}
        {workspace.data ? (
          <WorkspaceContext.Provider value={workspace.data}>
            {route.kind === 'home' || route.kind === 'overview' ? <OverviewPage key={route.kind} home={route.kind === 'home'} search={location.search} /> : null}
            {route.kind === 'customers' ? <CustomersPage q={q} tag={tag} /> : null}
            {route.kind === 'customer' ? <CustomerPage key={route.id} id={route.id} backTo={listPath.current} /> : null}
            {route.kind === 'segments' ? <SegmentsListPage /> : null}
            {route.kind === 'segment_new' ? <SegmentEditorPage key="new" /> : null}
            {route.kind === 'segment' ? <SegmentDetailPage key={route.id} id={route.id} /> : null}
            {route.kind === 'segment_edit' ? <SegmentEditorPage key={`edit-${route.id}`} segmentId={route.id} /> : null}
            {route.kind === 'journeys' ? <JourneysListPage /> : null}
            {route.kind === 'journey_new' ? <JourneyEditorPage key="new" /> : null}
            {route.kind === 'journey' ? <JourneyEditorPage key={route.id} journeyId={route.id} /> : null}
            {route.kind === 'campaigns' ? <CampaignsListPage /> : null}
            {route.kind === 'campaign_new' ? <CampaignComposerPage /> : null}
            {route.kind === 'campaign' ? <CampaignPage key={route.id} id={route.id} /> : null}
            {route.kind === 'campaign_edit' ? <CampaignComposerPage key={`edit-${route.id}`} campaignId={route.id} /> : null}
            {route.kind === 'loyalty' ? <LoyaltyPage /> : null}
            {route.kind === 'users' ? <UsersPage /> : null}
            {route.kind === 'keys' ? <ApiKeysPage /> : null}
            {route.kind === 'audit' ? <AuditLogPage /> : null}
            {route.kind === 'channels' ? <ChannelsPage /> : null}
            {route.kind === 'contact' ? <ContactPolicyPage /> : null}
            {route.kind === 'messages' ? <MessageLogPage /> : null}
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
  if (route.kind === 'segments' || route.kind === 'segment_new' || route.kind === 'segment' || route.kind === 'segment_edit') return 'segments';
  if (route.kind === 'journeys' || route.kind === 'journey_new' || route.kind === 'journey') return 'journeys';
  if (route.kind === 'campaigns' || route.kind === 'campaign_new' || route.kind === 'campaign' || route.kind === 'campaign_edit') return 'campaigns';
  if (route.kind === 'loyalty') return 'loyalty';
  if (route.kind === 'users' || route.kind === 'keys' || route.kind === 'audit' || route.kind === 'channels' || route.kind === 'contact' || route.kind === 'messages') return route.kind;
  return undefined;
}

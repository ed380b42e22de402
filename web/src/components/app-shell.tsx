import { ApiOutlined, AuditOutlined, ClusterOutlined, CrownOutlined, DashboardOutlined, KeyOutlined, LogoutOutlined, NodeIndexOutlined, NotificationOutlined, MailOutlined, SafetyOutlined, ShopOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../routing/use-location.ts';
import { LanguageSwitch } from './language-switch.tsx';

/** The sections in the sidebar; each appears only once its capability has landed. */
export type Section = 'overview' | 'customers' | 'segments' | 'journeys' | 'campaigns' | 'loyalty' | SettingsSection;
/** Settings pages, shown to those whose role or key allows them. */
export type SettingsSection = 'users' | 'keys' | 'audit' | 'channels' | 'contact' | 'messages';

const sectionPaths: Readonly<Record<Section, string>> = { overview: '/overview', customers: '/customers', segments: '/segments', journeys: '/journeys', campaigns: '/campaigns', loyalty: '/loyalty', users: '/settings/users', keys: '/settings/keys', audit: '/settings/audit', channels: '/settings/channels', contact: '/settings/contact-policy', messages: '/settings/messages' };
const settingsIcons: Readonly<Record<SettingsSection, ReactNode>> = { users: <UserOutlined />, keys: <KeyOutlined />, audit: <AuditOutlined />, channels: <ApiOutlined />, contact: <SafetyOutlined />, messages: <MailOutlined /> };

/** The console frame: sidebar with the Patron name and sections, header with language and sign-out, then the page. */
export function AppShell(props: {
  section: Section | undefined;
  workspaceName: string | undefined;
  settings?: readonly SettingsSection[];
  userName?: string;
  /** The workspace picker, for users who belong to several workspaces. */
  workspaceSwitcher?: ReactNode;
  /** Offered when a user (not an API key) is signed in. */
  onChangePassword?: () => void;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const { section, onSignOut, children } = props;
  const { t } = useTranslation();
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="patron-skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Layout.Sider width={220} breakpoint="lg" collapsedWidth={0} theme="dark" style={{ background: '#0f172a' }}>
        <div className="patron-brand">
          <span className="patron-brand-mark" aria-hidden="true">
            P
          </span>
          <span>
            <span className="patron-brand-name">{t('app.name')}</span>
            <span className="patron-brand-tagline">{t('app.tagline')}</span>
          </span>
        </div>
        <nav aria-label={t('app.mainNavigation')}>
          <Menu
            theme="dark"
            mode="inline"
            style={{ background: 'transparent', borderInlineEnd: 0 }}
            selectedKeys={section ? [section] : []}
            items={[
              { key: 'overview', icon: <DashboardOutlined />, label: <a href={sectionPaths.overview} onClick={(e) => e.preventDefault()}>{t('nav.overview')}</a> },
              { key: 'customers', icon: <TeamOutlined />, label: <a href={sectionPaths.customers} onClick={(e) => e.preventDefault()}>{t('nav.customers')}</a> },
              { key: 'segments', icon: <ClusterOutlined />, label: <a href={sectionPaths.segments} onClick={(e) => e.preventDefault()}>{t('nav.segments')}</a> },
              { key: 'journeys', icon: <NodeIndexOutlined />, label: <a href={sectionPaths.journeys} onClick={(e) => e.preventDefault()}>{t('nav.journeys')}</a> },
              { key: 'campaigns', icon: <NotificationOutlined />, label: <a href={sectionPaths.campaigns} onClick={(e) => e.preventDefault()}>{t('nav.campaigns')}</a> },
              { key: 'loyalty', icon: <CrownOutlined />, label: <a href={sectionPaths.loyalty} onClick={(e) => e.preventDefault()}>{t('nav.loyalty')}</a> },
              ...(props.settings ?? []).map((s) => ({ key: s, icon: settingsIcons[s], label: <a href={sectionPaths[s]} onClick={(e) => e.preventDefault()}>{t(`nav.${s}`)}</a> })),
            ]}
            onClick={({ key }) => navigate(sectionPaths[key as Section] ?? '/')}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="patron-header">
          <Typography.Text className="patron-header-title">
            <ShopOutlined aria-hidden="true" /> {props.workspaceName ?? ''}
          </Typography.Text>
          <Space size="middle">
            {props.workspaceSwitcher}
            {props.userName ? <Typography.Text>{props.userName}</Typography.Text> : null}
            {props.onChangePassword ? <Button onClick={props.onChangePassword}>{t('password.title')}</Button> : null}
            <LanguageSwitch />
            <Button icon={<LogoutOutlined />} onClick={onSignOut}>
              {t('app.signOut')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content id="main" tabIndex={-1} className="patron-content">
          {children}
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

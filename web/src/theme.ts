import type { ThemeConfig } from 'antd';

/**
 * Ant Design's theme with contrast raised to WCAG AA: a darker primary blue for links on white, and
 * secondary text at 4.5:1 or more (antd's default grey is about 3:1).
 */
export const consoleTheme: ThemeConfig = {
  token: {
    colorPrimary: '#1d4ed8',
    colorLink: '#1d4ed8',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.6)',
    colorTextDescription: 'rgba(0, 0, 0, 0.6)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.5)',
    borderRadius: 6,
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Helvetica Neue', Arial, sans-serif",
  },
  components: {
    Layout: { headerBg: '#ffffff', headerHeight: 56, headerPadding: '0 24px', siderBg: '#0f172a' },
    Menu: { darkItemBg: '#0f172a', darkItemSelectedBg: '#1d4ed8' },
    Table: { headerBg: '#f8fafc' },
  },
};

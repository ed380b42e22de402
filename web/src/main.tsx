import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConsoleApp } from './app.tsx';
import { setupI18n } from './i18n/setup-i18n.ts';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

await setupI18n();
createRoot(container).render(
  <StrictMode>
    <ConsoleApp />
  </StrictMode>,
);

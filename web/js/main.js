/**
 * Boot: guard drops, show the backend connection state, start the router and fill the app chrome (version,
 * sandbox badge, notices) from app_info.
 */

import { call } from './bridge.js';
import { startRouter } from './router.js';
import { watchAway } from './ui/away_notice.js';
import { showConnection } from './ui/connection.js';
import { guardDrops } from './ui/drop_guard.js';
import { showNotice } from './ui/notices.js';
import { startUpdateCheck } from './ui/update_check.js';

function showAppInfo(info) {
  const version = document.querySelector('[data-testid="app-version"]');
  version.textContent = `v${info.version}`;
  version.classList.remove('is-invisible');
  if (info.name) document.querySelector('[data-testid="app-name"]').textContent = info.name;
  document.querySelector('[data-testid="sandbox-badge"]').hidden = !info.is_sandbox;
  const home = document.querySelector('[data-testid="app-home"]');
  home.textContent = info.home || '';
  home.title = info.home ? `App home: ${info.home}` : '';
  for (const notice of info.notices || []) showNotice(notice);
}

async function boot() {
  guardDrops();
  watchAway();
  showConnection();
  startRouter(document.getElementById('view-root'));
  try {
    showAppInfo(await call('app_info'));
    startUpdateCheck();  // after the first answer: the check never delays the window
  } catch (err) {
    showNotice(`The app backend is not answering: ${err.message}`, 'danger');
  }
}

boot();

/** The recovery page: shown instead of the app when its database is damaged or from a newer version. */

import { call } from './bridge.js';

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

function showError(err) {
  const box = $('recovery-error');
  box.textContent = err.message;
  box.hidden = false;
}

function showMoved(info) {
  const done = $('recovery-done');
  done.textContent = `The damaged database is kept as ${info.moved_to}. A fresh database is ready.`;
  done.hidden = false;
  $('recovery-start-fresh').hidden = true;
}

/** Go on into the app; without a window to open it in, say exactly what to do instead. */
async function openApp() {
  const done = $('recovery-done');
  const opened = await call('open_app');
  done.textContent += opened.opening
    ? ' Opening the app on it…'
    : ' Quit and open the app again to start with it.';
}

async function boot() {
  const view = $('recovery-view');
  try {
    const info = await call('recovery_info');
    $('recovery-message').textContent = info.message;
    $('recovery-path').textContent = info.database;
    const fresh = $('recovery-start-fresh');
    if (info.can_start_fresh) {
      fresh.textContent = `Move the damaged database aside and start fresh (it is kept as ${info.database_name}.damaged-<timestamp>)`;
      fresh.hidden = false;
      fresh.addEventListener('click', async () => {
        fresh.disabled = true;
        try {
          showMoved(await call('recover_database'));
          await openApp();
        } catch (err) {
          fresh.disabled = false;
          showError(err);
        }
      });
    }
    if (info.moved_to) {
      showMoved(info);
      $('recovery-done').textContent += ' Quit and open the app again to start with it.';
    }
  } catch (err) {
    showError(err);
  }
  $('recovery-quit').addEventListener('click', () => call('quit_app').catch(showError));
  view.removeAttribute('aria-busy');
}

boot();

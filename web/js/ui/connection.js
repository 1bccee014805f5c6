/** The "connecting…" state while the page waits for the app backend (bridge.js keeps trying, with backoff). */

import { onConnection } from '../bridge.js';
import { h } from '../dom.js';

/** Show a status line above the views while the backend has not answered yet; it goes once it does. */
export function showConnection() {
  const text = h('span', { 'data-testid': 'bridge-connecting-text' });
  const el = h('div', { class: 'banner banner-info bridge-connecting', role: 'status', 'data-testid': 'bridge-connecting', hidden: true },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
  document.getElementById('app-notices').prepend(el);
  const stop = onConnection(({ state, elapsedMs }) => {
    if (state === 'connected') {
      el.remove();
      if (stop) stop();
      return;
    }
    // A quick start shows nothing; a slow one says so and that it keeps trying.
    el.hidden = state !== 'slow';
    const seconds = Math.round(elapsedMs / 1000);
    text.textContent = `Connecting to the app backend… (${seconds} s; still trying)`;
  });
}

/** App-wide notice banners above every view; each text shows once until the user dismisses it. */

import { banner } from './states.js';

const shown = new Set();
const dismissed = new Set();

/** Show a warning banner for `text` unless it is already shown or was dismissed. */
export function showNotice(text, tone = 'warning') {
  if (!text || shown.has(text) || dismissed.has(text)) return;
  shown.add(text);
  const el = banner(text, { tone, testid: 'notice', dismissible: tone !== 'danger' });
  // The banner removes itself on dismiss; remember that so a later view does not bring it back.
  el.querySelector('button')?.addEventListener('click', () => { shown.delete(text); dismissed.add(text); });
  document.getElementById('app-notices').append(el);
}

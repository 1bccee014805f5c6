/**
 * Notices for work that ended while the window was in the background (hidden or not focused): kept until
 * the user comes back, then shown as banners above the view. pywebview offers no native notification, so
 * these stay in the window.
 */

import { banner } from './states.js';

const TONES = { success: 'info', info: 'info', error: 'danger' };
const waiting = [];
let isAway = document.hidden;
let isWatching = false;

function flush() {
  const region = document.getElementById('app-notices');
  while (waiting.length) {
    const { text, kind } = waiting.shift();
    region.append(banner(`While you were away: ${text}`, { tone: TONES[kind] || 'info', testid: 'away-notice', dismissible: true }));
  }
}

function away() { isAway = true; }
function back() {
  if (document.hidden) return;
  isAway = false;
  flush();
}

/** Follow the window's focus and visibility (once, at boot). */
export function watchAway() {
  if (isWatching) return;
  isWatching = true;
  window.addEventListener('blur', away);
  window.addEventListener('focus', back);
  document.addEventListener('visibilitychange', () => (document.hidden ? away() : back()));
}

/** Keep `text` for the user's return when the window is in the background; return whether it was kept. */
export function notifyWhenAway(text, kind = 'info') {
  if (!isAway && !document.hidden) return false;
  isAway = true;
  waiting.push({ text, kind });
  return true;
}

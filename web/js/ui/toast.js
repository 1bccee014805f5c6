/** Toast notifications, bottom-right; errors stay longer and never steal focus. */

import { h } from '../dom.js';
import { icon } from '../icons.js';

const TIMEOUT_MS = { success: 4000, info: 5000, error: 10000 };
const ICONS = { success: 'check', info: 'info', error: 'error' };

/** End a sentence with a full stop unless it already ends with punctuation. */
function sentence(text) {
  const trimmed = String(text || '').trim();
  return !trimmed || /[.!?…:]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Show a toast; kind is "success", "info" or "error"; `detail` goes on its own line under the message.
 * Return a function that dismisses it.
 */
export function toast(message, { kind = 'info', timeout, detail = '' } = {}) {
  const region = document.getElementById('toasts');
  const dismiss = () => {
    clearTimeout(timer);
    el.remove();
  };
  const el = h('div', {
    class: `toast toast-${kind}`,
    'data-testid': 'toast',
    'data-kind': kind,
    role: kind === 'error' ? 'alert' : 'status',
  },
  icon(ICONS[kind] || 'info'),
  h('div', { class: 'toast-text' }, h('span', { class: 'toast-message', text: message }),
    detail ? h('span', { class: 'toast-detail', 'data-testid': 'toast-detail', text: detail }) : null),
  h('button', { class: 'btn btn-ghost btn-icon btn-sm', type: 'button', 'aria-label': 'Dismiss', onClick: dismiss },
    icon('close')));
  const ms = timeout ?? TIMEOUT_MS[kind] ?? 5000;
  let timer = setTimeout(dismiss, ms);
  // Reading a toast should not race its timer.
  el.addEventListener('mouseenter', () => clearTimeout(timer));
  el.addEventListener('mouseleave', () => { timer = setTimeout(dismiss, ms / 2); });
  region.append(el);
  return dismiss;
}

/** Show an error toast for an ApiError (or any Error) with an optional lead-in. */
export function toastError(err, lead = '') {
  const message = (err && err.message) || String(err);
  // Two sentences, two lines: what failed, then why (each closed by its full stop).
  if (!lead) return toast(sentence(message), { kind: 'error' });
  return toast(sentence(lead), { kind: 'error', detail: sentence(message) });
}

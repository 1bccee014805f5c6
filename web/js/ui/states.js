/** Shared empty, loading and error states for views and panels. */

import { h } from '../dom.js';
import { icon } from '../icons.js';

/** Return an empty-state block: icon, title, explanation and optional action nodes. */
export function emptyState({ iconName = 'image', title, text, actions = [], testid = null }) {
  return h('div', { class: 'empty', 'data-testid': testid },
    h('div', { class: 'empty-icon' }, icon(iconName)),
    h('h2', { text: title }),
    text ? h('p', { text }) : null,
    actions.length ? h('div', { class: 'toolbar' }, actions) : null);
}

/** Return a centred spinner with a label. */
export function loadingState(label = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
}

/** Return an error block with the message and a Try again button calling `retry`. */
export function errorState(err, retry) {
  return emptyState({
    iconName: 'error',
    title: 'This could not be loaded',
    text: (err && err.message) || String(err),
    testid: 'load-error',
    actions: retry ? [h('button', { class: 'btn', type: 'button', onClick: retry, text: 'Try again' })] : [],
  });
}

/** Return a banner (tone: warning, danger or info) with a message and an optional dismiss button. */
export function banner(message, { tone = 'warning', testid = null, dismissible = false } = {}) {
  const el = h('div', { class: `banner banner-${tone}`, role: tone === 'danger' ? 'alert' : 'status', 'data-testid': testid },
    icon(tone === 'info' ? 'info' : 'alert'),
    h('div', { class: 'banner-text', text: message }));
  if (dismissible) {
    el.append(h('button', {
      class: 'btn btn-ghost btn-icon btn-sm', type: 'button', 'aria-label': 'Dismiss', onClick: () => el.remove(),
    }, icon('close')));
  }
  return el;
}

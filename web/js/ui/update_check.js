/**
 * The opt-in update check in the sidebar: a quiet question asked once ("Check for new versions once a
 * day?"), then, when the app's background check found a newer version, a small banner with its release
 * notes (opened in the system browser by the app, which opens only the address its check found) and
 * Dismiss (remembered for that version). A check that fails says nothing.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { poll } from './poll.js';

// While the app's check runs in the background, ask for its result every POLL_MS, at most MAX_POLLS times
// (the check's own timeout ends it well before).
const POLL_MS = 1500;
const MAX_POLLS = 20;

let poller = null;

function slot() {
  return document.getElementById('update-slot');
}

function askCard() {
  const answer = (isEnabled) => async () => {
    try {
      show(await call('answer_update_check', isEnabled));
    } catch {
      // Not answered after all: the question stays for the next start.
    }
  };
  return h('div', { class: 'update-card', role: 'group', 'aria-label': 'Update check', 'data-testid': 'update-ask' },
    h('p', { text: 'Check for new versions once a day?' }),
    h('div', { class: 'update-actions' },
      h('button', { class: 'btn btn-sm', type: 'button', text: 'Yes', onClick: answer(true), 'data-testid': 'update-ask-yes' }),
      h('button', { class: 'btn btn-sm btn-ghost', type: 'button', text: 'No', onClick: answer(false), 'data-testid': 'update-ask-no' })));
}

function bannerCard(banner) {
  const openNotes = () => call('open_release_notes').catch(() => {});
  const dismiss = async () => {
    try {
      show(await call('dismiss_update'));
    } catch {
      slot().replaceChildren();
    }
  };
  return h('div', { class: 'update-card', role: 'status', 'data-testid': 'update-banner', title: banner.name || '' },
    h('p', {}, 'Version ', h('strong', { 'data-testid': 'update-version', text: banner.version }), ' is available.'),
    h('div', { class: 'update-actions' },
      h('button', { class: 'link-button', type: 'button', text: 'Release notes', onClick: openNotes, 'data-testid': 'update-notes' }),
      h('button', { class: 'btn btn-sm btn-ghost', type: 'button', text: 'Dismiss', onClick: dismiss, 'data-testid': 'update-dismiss' })));
}

/** Show the state the app answered with: the question, the banner or nothing; follow a check in progress. */
function show(state) {
  const target = slot();
  if (!target || !state) return;
  if (state.ask) target.replaceChildren(askCard());
  else if (state.banner) target.replaceChildren(bannerCard(state.banner));
  else target.replaceChildren();
  // What the slot shows, for tests and styles: ask | banner | none.
  target.dataset.state = state.ask ? 'ask' : state.banner ? 'banner' : 'none';
  if (state.is_checking && (!poller || poller.isStopped)) follow();
}

/** Ask for the check's result until it is in (or MAX_POLLS asks have gone by). */
function follow() {
  let asks = 0;
  const ask = async () => {
    asks += 1;
    const state = await call('update_status');
    show(state);
    return state;
  };
  const isActive = (state) => state.is_checking && asks < MAX_POLLS;
  poller = poll(ask, { intervalMs: POLL_MS, idleMs: null, isActive, immediate: false,
    onError: () => { poller?.stop(); poller = null; } });
}

/** Ask the app to run its daily check if it is on and due (in the background) and show what it knows. */
export async function startUpdateCheck() {
  poller?.stop();
  poller = null;
  try {
    show(await call('check_for_update'));
  } catch {
    // Silence: an update check never gets in the way.
  }
}

/** Show the question or banner again after the setting changed in Settings. */
export function refreshUpdateCheck() {
  startUpdateCheck();
}

/** The "already running" page: a second start on a data folder another window holds. Its bridge has only quit. */

import { call } from './bridge.js';

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

function boot() {
  // The folder comes in the address (the window has no other API to ask); shown as text, never as markup.
  const home = new URLSearchParams(window.location.search).get('home') || 'this data folder';
  $('home-in-use-message').textContent =
    `Gen Image Factory is already running on this data folder: ${home}. Switch to that window.`;
  $('home-in-use-quit').addEventListener('click', () => call('quit').catch((err) => {
    const box = $('home-in-use-error');
    box.textContent = err.message;
    box.hidden = false;
  }));
  $('home-in-use-view').removeAttribute('aria-busy');
}

boot();

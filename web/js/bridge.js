/**
 * The only module that touches window.pywebview.
 *
 * Every Api method answers with an envelope: {ok: true, data} or {ok: false, error: {code, message, fields?}}.
 * `call()` unwraps it: it resolves with `data` or rejects with an ApiError carrying code, message, fields and
 * (for a job that cannot start) problems: [{setting, message}].
 */

// The host may be slow to inject the api (a cold start on a busy machine): keep looking, with backoff, and
// never give up; after SLOW_MS the page says it is still connecting (onConnection listeners show it).
const FIRST_CHECK_MS = 100;
const MAX_CHECK_MS = 3000;
const SLOW_MS = 1500;

/** An error the Api reported (or the bridge itself could not deliver the call). */
export class ApiError extends Error {
  constructor(code, message, fields = {}, problems = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.fields = fields || {};
    this.problems = problems || [];
  }
}

let readyPromise = null;
const listeners = new Set();
let connection = { state: 'connecting', attempts: 0, elapsedMs: 0 };

function apiIfReady() {
  const api = window.pywebview && window.pywebview.api;
  // pywebview creates the api object first and fills in the methods before `pywebviewready`.
  if (api && Object.values(api).some((value) => typeof value === 'function')) return api;
  return null;
}

function announce(next) {
  connection = next;
  for (const listener of listeners) listener(connection);
}

/** Call `listener({state: 'connecting' | 'slow' | 'connected', attempts, elapsedMs})` on every change; return an unsubscribe. */
export function onConnection(listener) {
  listeners.add(listener);
  listener(connection);
  return () => listeners.delete(listener);
}

/** Resolve with the pywebview api object once the host has injected it (waiting as long as it takes). */
export function whenReady() {
  if (!readyPromise) {
    readyPromise = new Promise((resolve) => {
      const started = Date.now();
      let timer = null;
      let delay = FIRST_CHECK_MS;
      const done = (api) => {
        clearTimeout(timer);
        window.removeEventListener('pywebviewready', onReady);
        announce({ state: 'connected', attempts: connection.attempts, elapsedMs: Date.now() - started });
        resolve(api);
      };
      const onReady = () => { const api = apiIfReady(); if (api) done(api); else check(); };
      // The event may have fired before this listener existed, or be missed: each check looks for the api too.
      const check = () => {
        clearTimeout(timer); // one chain of checks, even when the event asks for one early
        const api = apiIfReady();
        if (api) { done(api); return; }
        const elapsedMs = Date.now() - started;
        announce({ state: elapsedMs >= SLOW_MS ? 'slow' : 'connecting', attempts: connection.attempts + 1, elapsedMs });
        timer = setTimeout(check, delay);
        delay = Math.min(delay * 2, MAX_CHECK_MS);
      };
      window.addEventListener('pywebviewready', onReady);
      check();
    });
  }
  return readyPromise;
}

/** Call an Api method; resolve with its data or reject with an ApiError. */
export async function call(method, ...args) {
  const api = await whenReady();
  const fn = api[method];
  if (typeof fn !== 'function') {
    throw new ApiError('not_available', `This version of the app cannot do "${method}".`);
  }
  let envelope;
  try {
    envelope = await fn(...args);
  } catch (err) {
    // The host raised instead of answering with an envelope: report it like any other error.
    throw new ApiError('internal_error', (err && err.message) || String(err));
  }
  if (envelope && envelope.ok === true) return envelope.data;
  if (envelope && envelope.ok === false && envelope.error) {
    const { code, message, fields, problems } = envelope.error;
    throw new ApiError(code || 'app_error', message || 'Something went wrong.', fields || {}, problems || []);
  }
  throw new ApiError('bad_response', `Unexpected answer from "${method}".`);
}

/**
 * The only module that touches window.pywebview.
 *
 * Every Api method answers with an envelope: {ok: true, data} or {ok: false, error: {code, message, fields?}}.
 * `call()` unwraps it: it resolves with `data` or rejects with an ApiError carrying code, message, fields and
 * (for a job that cannot start) problems: [{setting, message}].
 */

const READY_TIMEOUT_MS = 15000;

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

function apiIfReady() {
  const api = window.pywebview && window.pywebview.api;
  // pywebview creates the api object first and fills in the methods before `pywebviewready`.
  if (api && Object.values(api).some((value) => typeof value === 'function')) return api;
  return null;
}

/** Resolve with the pywebview api object once the host has injected it. */
export function whenReady() {
  if (!readyPromise) {
    readyPromise = new Promise((resolve, reject) => {
      const api = apiIfReady();
      if (api) {
        resolve(api);
        return;
      }
      const timer = setTimeout(() => {
        reject(new ApiError('bridge_unavailable', 'The app backend did not answer. Restart the app.'));
      }, READY_TIMEOUT_MS);
      window.addEventListener('pywebviewready', () => {
        clearTimeout(timer);
        resolve(window.pywebview.api);
      }, { once: true });
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

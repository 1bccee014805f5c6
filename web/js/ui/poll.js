/**
 * The page's one polling loop. `poll(fn, options)` calls `fn()` (async), waits, and calls it again:
 *
 *   const poller = poll(() => call('get_progress'), { intervalMs: 500, idleMs: 2000, isActive: (data) => data.is_running });
 *   poller.kick();  // poll now (after the call in flight, if any)
 *   poller.stop();  // for good; also automatic once `root` leaves the document (the view unmounted)
 *
 * Options:
 *   intervalMs  delay while `isActive(result)` is true (default 500 ms);
 *   idleMs      delay while it is false; null ends the loop instead (e.g. an export that finished);
 *   isActive    (result) => boolean, default always true;
 *   onError     (err) => void; after an error the delay doubles up to maxBackoffMs until a call succeeds;
 *   root        an element; the loop stops once it is no longer in the document;
 *   hiddenMs    the least delay while the window is hidden (default 5 s): nobody watches, so ask less often;
 *   immediate   call at once (default) or wait one delay first.
 */

const HIDDEN_MS = 5000;
const MAX_BACKOFF_MS = 15000;

/** Start polling `fn`; return {stop(), kick(), isStopped}. */
export function poll(fn, {
  intervalMs = 500, idleMs = intervalMs, isActive = () => true, onError = () => {}, root = null,
  hiddenMs = HIDDEN_MS, maxBackoffMs = MAX_BACKOFF_MS, immediate = true,
} = {}) {
  let timer = null;
  let isBusy = false;
  let isPending = false;
  let failures = 0;
  let goodDelay = intervalMs; // the pace of the last successful call, where backing off starts from
  const handle = { isStopped: false, stop, kick };

  function isGone() {
    return handle.isStopped || (root !== null && !root.isConnected);
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(tick, document.hidden ? Math.max(delay, hiddenMs) : delay);
  }

  async function tick() {
    timer = null;
    if (isGone()) { stop(); return; }
    isBusy = true;
    let delay;
    try {
      const result = await fn();
      failures = 0;
      delay = isActive(result) ? intervalMs : idleMs;
    } catch (err) {
      failures += 1;
      // Back off so a failing server is not hammered; the next success restores the normal pace.
      delay = Math.min(maxBackoffMs, Math.max(goodDelay, intervalMs) * 2 ** failures);
      if (!isGone()) onError(err);
    } finally {
      isBusy = false;
    }
    if (isGone()) { stop(); return; }
    if (isPending) {
      isPending = false;
      delay = 0;
    }
    if (delay === null || delay === undefined) { stop(); return; }
    if (failures === 0) goodDelay = delay;
    schedule(delay);
  }

  function kick() {
    if (handle.isStopped) return;
    if (isBusy) { isPending = true; return; }
    clearTimeout(timer);
    tick();
  }

  function stop() {
    handle.isStopped = true;
    clearTimeout(timer);
    timer = null;
    document.removeEventListener('visibilitychange', onVisible);
  }

  // Back in view: refresh at once instead of waiting out the hidden-window delay.
  function onVisible() {
    if (!document.hidden && timer !== null) kick();
  }

  document.addEventListener('visibilitychange', onVisible);
  if (immediate) tick();
  else schedule(intervalMs);
  return handle;
}

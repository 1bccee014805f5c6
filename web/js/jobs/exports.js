/** Job exports (Excel workbook, ZIP of several jobs): save dialog, then a progress modal with Cancel. */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { poll } from '../ui/poll.js';
import { toast, toastError } from '../ui/toast.js';
import { openModal } from './modal.js';

const POLL_MS = 300;

function progressBody() {
  const bar = h('span', {});
  const status = h('p', { class: 'export-status', 'data-testid': 'export-status', 'aria-live': 'polite', text: 'Starting…' });
  const path = h('p', { class: 'export-path mono', 'data-testid': 'export-path' });
  const body = h('div', { class: 'export-progress' },
    h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'data-testid': 'export-bar' }, bar),
    status, path);
  return { body, bar, status, path };
}

/** Follow an export until it ends; resolve with its final progress record. */
function follow(exportId, parts, isCancelled) {
  return new Promise((resolve) => {
    const tick = async () => {
      let state;
      try {
        state = await call('export_progress', exportId);
      } catch (err) {
        // Lost track of the export (e.g. the app restarted): end here rather than retrying forever.
        resolve({ state: 'failed', error: err.message });
        return false;
      }
      const pct = state.total ? Math.round((100 * state.done) / state.total) : 0;
      parts.bar.style.width = `${pct}%`;
      parts.bar.parentElement.setAttribute('aria-valuenow', String(pct));
      parts.status.textContent = state.total ? `${state.done} of ${state.total} done` : 'Preparing…';
      const isRunning = state.state === 'running' && !isCancelled();
      if (!isRunning) resolve(state);
      return isRunning;
    };
    poll(tick, { intervalMs: POLL_MS, idleMs: null, isActive: (isRunning) => isRunning });
  });
}

/**
 * Start an export with `method(...args)` (the Api asks where to save) and show its progress.
 * Resolve with the written path, or null when cancelled or failed.
 */
export async function runExport(method, args, what) {
  let started;
  try {
    started = await call(method, ...args);
  } catch (err) {
    toastError(err, `${what} was not exported.`);
    return null;
  }
  if (!started || !started.export_id) return null; // the save dialog was cancelled: nothing to say
  const parts = progressBody();
  parts.path.textContent = started.path || '';
  let isCancelled = false;
  const modal = openModal({
    title: `Exporting ${what}`, testid: 'export-dialog', size: 'narrow', body: parts.body, cancelLabel: 'Cancel export',
  });
  modal.result.then(async (value) => {
    if (value !== 'cancel' || isCancelled) return;
    isCancelled = true;
    try { await call('cancel_export', started.export_id); } catch (err) { toastError(err, 'Could not cancel the export.'); }
  });
  const final = await follow(started.export_id, parts, () => isCancelled);
  modal.close('done');
  if (final.state === 'done') {
    toast(`${what} exported to ${final.path || started.path}`, { kind: 'success' });
    return final.path || started.path;
  }
  if (final.state === 'cancelled' || isCancelled) toast('Export cancelled; nothing was written.', { kind: 'info' });
  else toast(`${what} was not exported. ${final.error || ''}`.trim(), { kind: 'error' });
  return null;
}

/** Export one job's Excel workbook. */
export function exportJobXlsx(job) {
  return runExport('export_job_xlsx', [job.id], `“${job.label}”`);
}

/** Export several jobs as one ZIP of workbooks. */
export function exportJobsZip(ids) {
  return runExport('export_jobs_zip', [ids], ids.length === 1 ? '1 job' : `${ids.length} jobs`);
}

/**
 * Status badges for jobs and images. The words and every rule come from the API (status_label, is_running);
 * the status name only picks the badge's colour class here, and stays on the element as data-status.
 */

import { h } from '../dom.js';
import { statusLabel } from '../format.js';

// Colour classes per status name (CSS hooks only: no view decides anything from these).
const JOB_TONES = {
  queued: 'badge-accent', running: 'badge-accent', completed: 'badge-success', failed: 'badge-danger',
  stopped: 'badge-warning', interrupted: 'badge-warning', cancelled: '',
};

const IMAGE_TONES = {
  approved: 'badge-success', pending: '', qc_failed: 'badge-danger', retry_failed: 'badge-danger',
  retry_pending: 'badge-warning', processing: 'badge-accent',
};

/** Return the tone of a job's status ("success", "danger", "warning", "accent" or ""), e.g. for a toast. */
export function jobTone(job) {
  return (JOB_TONES[job && job.status] || '').replace('badge-', '');
}

/** Return a job status badge; a running job's badge carries a live dot. */
export function jobBadge(job, testid = null) {
  const el = h('span', { class: 'badge status-badge', 'data-testid': testid });
  setJobBadge(el, job);
  return el;
}

/** Update a job status badge in place from a job (or any {status, status_label, is_running}); untouched when unchanged. */
export function setJobBadge(el, job) {
  const className = `badge status-badge ${JOB_TONES[job.status] ?? ''}${job.is_running ? ' is-live' : ''}`;
  // A stop the app made (a spending cap) says why, e.g. "Stopped · Budget reached".
  const text = job.stop_reason_label ? `${statusLabel(job)} · ${job.stop_reason_label}` : statusLabel(job);
  if (el.className !== className) el.className = className;
  if (el.dataset.status !== job.status) el.dataset.status = job.status;
  if (el.textContent !== text) el.textContent = text;
}

/** Return an image status badge. */
export function imageBadge(image, testid = null) {
  return h('span', {
    class: `badge ${IMAGE_TONES[image.status] ?? ''}`, 'data-testid': testid, 'data-status': image.status, text: statusLabel(image),
  });
}

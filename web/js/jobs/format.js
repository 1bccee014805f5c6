/** Shared formatting for job and image views: status badges, dates, durations, money. */

import { h } from '../dom.js';

const JOB_TONES = {
  queued: 'badge-accent', running: 'badge-accent', completed: 'badge-success', failed: 'badge-danger',
  stopped: 'badge-warning', interrupted: 'badge-warning', cancelled: '',
};

const IMAGE_TONES = {
  approved: 'badge-success', pending: '', qc_failed: 'badge-danger', retry_failed: 'badge-danger',
  retry_pending: 'badge-accent', processing: 'badge-accent',
};

const IMAGE_WORDS = {
  approved: 'Approved', pending: 'Pending', qc_failed: 'Failed', retry_failed: 'Retry failed',
  retry_pending: 'Retry pending', processing: 'Processing',
};

/** Return the status in words ("completed" -> "Completed"). */
export function statusWord(status) {
  const text = String(status || '').replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Return a job status badge; running and queued carry a live dot. */
export function jobBadge(status, testid = null) {
  const el = h('span', { class: `badge status-badge ${JOB_TONES[status] ?? ''}`, 'data-testid': testid, 'data-status': status });
  setJobBadge(el, status);
  return el;
}

/** Update a job status badge in place. */
export function setJobBadge(el, status) {
  el.className = `badge status-badge ${JOB_TONES[status] ?? ''}${status === 'running' ? ' is-live' : ''}`;
  el.dataset.status = status;
  el.textContent = statusWord(status);
}

/** Return an image status pill. */
export function imageBadge(status, testid = null) {
  return h('span', {
    class: `badge ${IMAGE_TONES[status] ?? ''}`, 'data-testid': testid, 'data-status': status, text: IMAGE_WORDS[status] || statusWord(status),
  });
}

/** Return the image status in words. */
export function imageStatusWord(status) {
  return IMAGE_WORDS[status] || statusWord(status);
}

/** Return a short local date and time ("21 Nov 2026, 19:49"), or a dash. */
export function dateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Return a compact local date and time; the year only when it is not this year. */
export function shortDateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const options = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = 'numeric';
  return date.toLocaleString(undefined, options);
}

/** Return a duration in seconds as "1 h 2 min", "3 min 4 s" or "5.2 s"; a dash when unknown. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const s = Number(seconds);
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(s % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Return a cost in US dollars ("$0.0608"); small amounts keep four decimals. */
export function money(value) {
  const v = Number(value || 0);
  if (v === 0) return '$0.00';
  return `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
}

/** Return "n thing" or "n things". */
export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`;
}

/** Return true for a job that still changes (so views keep polling). */
export function isActive(status) {
  return status === 'queued' || status === 'running';
}

/** Return true for a job that can be resumed. */
export function isResumable(status) {
  return status === 'interrupted' || status === 'stopped';
}

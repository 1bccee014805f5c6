/** Job actions shared by the job list and the job view: rerun, resume, rename, delete (with confirmation). */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { plural } from '../format.js';
import { toast, toastError } from '../ui/toast.js';
import { openModal } from './modal.js';

/** Queue reruns of the given jobs; resolve with the new executions (empty on failure). */
export async function rerunJobs(ids) {
  try {
    const created = ids.length === 1 ? [await call('rerun_job', ids[0])] : await call('bulk_rerun', ids);
    const names = created.map((e) => `“${e.label}”`).join(', ');
    toast(created.length === 1 ? `Rerun queued: ${names}` : `${created.length} reruns queued`, { kind: 'success' });
    return created;
  } catch (err) {
    toastError(err, 'Rerun failed.');
    return [];
  }
}

/** Ask for a higher cap for a job stopped by its budget; resolve with the cap, or null when cancelled. */
async function askBudget(job) {
  const input = h('input', { class: 'input', type: 'number', min: 0, step: 0.01, inputmode: 'decimal', 'data-testid': 'resume-budget-input', 'aria-label': 'Budget (USD)', value: '' });
  const error = h('p', { class: 'field-error', 'aria-live': 'polite' });
  let budget = null;
  const modal = openModal({
    title: 'Resume with a higher budget', testid: 'resume-budget-dialog', size: 'narrow',
    body: h('label', { class: 'stack-field' },
      h('span', { class: 'field-label', text: 'Budget for this job (USD)' }),
      h('span', { class: 'muted', text: `${job.error || 'The budget was reached.'} Empty: no cap.` }), input, error),
    actions: [{
      label: 'Resume', value: 'ok', variant: 'primary', testid: 'resume-budget-ok',
      run: () => {
        const text = input.value.trim();
        if (text !== '' && !(Number(text) >= 0)) { error.textContent = 'Enter a sum in US dollars.'; return false; }
        budget = text === '' ? 0 : Number(text);
        return true;
      },
    }],
  });
  input.focus();
  await modal.result;
  return budget;
}

/** Queue a resumable job (its is_resumable flag) to finish its remaining generations; a budget stop asks for a new cap. */
export async function resumeJob(job) {
  try {
    let budget = null;
    if (job.stop_reason === 'budget') {
      budget = await askBudget(job);
      if (budget === null) return null;
    }
    const resumed = budget === null ? await call('resume_job', job.id) : await call('resume_job', job.id, budget);
    toast(`“${resumed.label}” will resume`, { kind: 'success' });
    return resumed;
  } catch (err) {
    toastError(err, 'Could not resume the job.');
    return null;
  }
}

/** Ask for a new label and save it; resolve with the renamed job or null. */
export async function renameJob(job) {
  const input = h('input', { class: 'input', type: 'text', value: job.label, 'data-testid': 'rename-input', autofocus: true, 'aria-label': 'Job label', maxlength: 200 });
  const error = h('p', { class: 'field-error', 'data-testid': 'rename-error', 'aria-live': 'polite' });
  let renamed = null;
  const save = async () => {
    try {
      renamed = await call('rename_job', job.id, input.value);
      return true;
    } catch (err) {
      error.textContent = err.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return false;
    }
  };
  const modal = openModal({
    title: 'Rename job', testid: 'rename-dialog', size: 'narrow',
    body: h('label', { class: 'stack-field' }, h('span', { class: 'field-label', text: 'Label' }), input, error),
    actions: [{ label: 'Rename', value: 'ok', variant: 'primary', testid: 'rename-dialog-ok', run: save }],
  });
  input.select();
  // Enter saves, as in any single-field form.
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); modal.dialog.querySelector('[data-testid="rename-dialog-ok"]').click(); }
  });
  await modal.result;
  if (renamed) toast(`Renamed to “${renamed.label}”`, { kind: 'success' });
  return renamed;
}

/**
 * Confirm and delete jobs; the user can choose to delete their image files too.
 * `jobs` is [{id, label}]; resolve with the number deleted (0 when cancelled or refused).
 */
export async function deleteJobs(jobs) {
  if (!jobs.length) return 0;
  const alsoFiles = h('input', { type: 'checkbox', class: 'checkbox', 'data-testid': 'delete-files' });
  const what = jobs.length === 1 ? `“${jobs[0].label}”` : plural(jobs.length, 'job');
  let deleted = 0;
  const modal = openModal({
    title: `Delete ${what}?`, testid: 'delete-dialog', size: 'narrow',
    body: h('div', { class: 'stack' },
      h('p', { class: 'muted', text: 'The job records, their image records and their logs are removed. This cannot be undone.' }),
      h('label', { class: 'check-row' }, alsoFiles,
        h('span', {}, 'Also delete the image files', h('span', { class: 'muted block', text: 'Approved files in the output folder and failed files in the temporary folder.' })))),
    actions: [{
      label: 'Delete', value: 'ok', variant: 'danger', testid: 'delete-dialog-ok', isDefault: true,
      run: async () => {
        try {
          const result = await call('delete_jobs', jobs.map((j) => j.id), alsoFiles.checked);
          deleted = result.deleted;
          const files = result.files_deleted ? ` and ${plural(result.files_deleted, 'file')}` : '';
          toast(`Deleted ${plural(result.deleted, 'job')}${files}`, { kind: 'success' });
        } catch (err) {
          toastError(err, err.code === 'file_in_use' ? '' : 'Not deleted.');  // its message says what was kept
        }
        return true;
      },
    }],
  });
  await modal.result;
  return deleted;
}

/**
 * The retry modal: original (each image's own job settings, shown for reference) or modified processing
 * settings (every processing field, prefilled from the current settings), "also regenerate metadata",
 * and the steps whose failure fails the retry. Submits retry_images.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { openModal } from '../jobs/modal.js';
import { createField } from '../ui/fields.js';
import { toast, toastError } from '../ui/toast.js';

const STAGE_LABELS = {
  remove_bg: ['Background removal', 'A failed cut-out fails the retry instead of keeping the original pixels.'],
  trim: ['Trim', 'A failed trim fails the retry.'],
  enhancement: ['Enhancement', 'A failed sharpen or saturation step fails the retry.'],
  convert: ['Format conversion', 'A failed conversion fails the retry.'],
  metadata: ['Metadata', 'Failing to write title, description and keywords fails the retry.'],
};
const DEFAULT_HARD = new Set(['remove_bg']);

function sameValue(a, b) {
  return String(a ?? '') === String(b ?? '');
}

/** Build the modified-settings fields from the processing section of the schema. */
function processingFields(section, current) {
  const fields = new Map();
  const rows = section.settings.map((setting) => {
    const field = createField(setting, { onInput: () => visibility(), onBrowse: () => {}, onPathChange: () => {} });
    const name = setting.key.split('.')[1];
    field.set(current[name] ?? setting.default);
    fields.set(setting.key, field);
    return field.row;
  });
  function visibility() {
    const values = Object.fromEntries([...fields].map(([k, f]) => [k, f.get()]));
    for (const field of fields.values()) {
      const rules = field.setting.visible_if || [];
      field.row.hidden = !rules.every((r) => r.values.some((v) => sameValue(v, values[r.key])));
    }
  }
  visibility();
  return { fields, rows };
}

/** Check numbers against the schema bounds; return true when every visible field is valid. */
function checkFields(fields) {
  let isValid = true;
  for (const field of fields.values()) {
    const { setting } = field;
    let message = '';
    if (!field.row.hidden && (setting.kind === 'int' || setting.kind === 'float')) {
      const value = field.get();
      if (typeof value !== 'number') message = 'Enter a number.';
      else if (setting.kind === 'int' && !Number.isInteger(value)) message = 'Enter a whole number.';
      else if ((setting.min !== null && value < setting.min) || (setting.max !== null && value > setting.max)) message = `Must be between ${setting.min} and ${setting.max}.`;
    }
    field.setError(message);
    if (message) isValid = false;
  }
  return isValid;
}

async function originalColumn(ids, images) {
  const column = h('div', { class: 'retry-original', 'data-testid': 'retry-original' });
  // Job labels tell how many jobs are involved; the job itself is looked up through the first image
  // (get_failed_image carries the job id even where a list row does not).
  const jobCount = new Set(images.map((i) => i.job_label)).size;
  try {
    const image = await call('get_failed_image', ids[0]);
    const data = await call('get_job', image.execution_id);
    const rows = data.settings_rows.filter((r) => r.section === 'Processing');
    column.append(
      h('p', { class: 'muted', text: jobCount > 1 ? `Images from ${jobCount} jobs; each uses its own job's settings. Shown: “${data.execution.label}”.` : `As “${data.execution.label}” ran:` }),
      h('dl', { class: 'retry-orig-list' }, rows.map((r) => h('div', { class: r.value === 'Not applied' ? 'is-off' : '' }, h('dt', { text: r.label }), h('dd', { text: r.value })))));
  } catch (err) {
    column.append(h('p', { class: 'muted', text: `The job's settings could not be shown: ${err.message}` }));
  }
  return column;
}

/** Open the retry modal for `ids` (`images` = the known image rows among them); resolve true when queued. */
export async function openRetryModal(ids, images) {
  let settings;
  try {
    settings = await call('get_settings');
  } catch (err) {
    toastError(err, 'Could not load the processing settings.');
    return false;
  }
  const options = await call('retry_options').catch(() => ({ stages: Object.keys(STAGE_LABELS) }));
  const section = settings.schema.find((s) => s.name === 'processing');
  const { fields, rows } = processingFields(section, settings.settings.processing || {});
  const original = await originalColumn(ids, images);

  const modeRadio = (value, title, text) => h('label', { class: 'mode-option' },
    h('input', { type: 'radio', name: 'retry-mode', value, checked: value === 'modified', 'data-testid': `retry-mode-${value}`, onChange: () => syncMode() }),
    h('span', {}, h('strong', { text: title }), h('span', { class: 'muted block', text })));
  const modes = h('div', { class: 'mode-options', role: 'radiogroup', 'aria-label': 'Settings to use' },
    modeRadio('original', 'Original settings', "Each image is processed again with its own job's settings."),
    modeRadio('modified', 'Modified settings', 'Use the settings on the right for every selected image.'));
  const modified = h('fieldset', { class: 'retry-modified fields', 'data-testid': 'retry-modified' }, h('legend', { class: 'visually-hidden', text: 'Modified settings' }), rows);
  const includeMetadata = h('input', { type: 'checkbox', class: 'checkbox', 'data-testid': 'retry-include-metadata' });
  const hard = new Map(options.stages.map((stage) => [stage, h('input', { type: 'checkbox', class: 'checkbox', checked: DEFAULT_HARD.has(stage), 'data-testid': `retry-hard-fail-${stage}` })]));
  function syncMode() {
    const isModified = modes.querySelector('input:checked').value === 'modified';
    modified.disabled = !isModified;
    modified.classList.toggle('is-disabled', !isModified);
  }
  syncMode();

  const body = h('div', { class: 'retry-form' },
    modes,
    h('div', { class: 'retry-columns' },
      h('section', { class: 'retry-col' }, h('h3', { text: 'Original' }), original),
      h('section', { class: 'retry-col' }, h('h3', { text: 'Modified' }), modified)),
    h('div', { class: 'retry-extras' },
      h('label', { class: 'check-row' }, includeMetadata, h('span', {}, 'Also regenerate metadata', h('span', { class: 'muted block', text: 'Write a new title, description and keywords for each image.' }))),
      h('fieldset', { class: 'hard-fail' }, h('legend', { text: 'Steps that fail the retry' }),
        h('p', { class: 'muted', text: 'A checked step that fails marks the image “Retry failed”. Unchecked steps that fail are skipped and noted.' }),
        h('div', { class: 'hard-fail-grid' }, [...hard].map(([stage, box]) => h('label', { class: 'check-row', title: (STAGE_LABELS[stage] || [stage, ''])[1] }, box, h('span', { text: (STAGE_LABELS[stage] || [stage])[0] })))))));

  let queued = 0;
  const submit = async () => {
    const mode = modes.querySelector('input:checked').value;
    if (mode === 'modified' && !checkFields(fields)) return false;
    const processing = {};
    for (const [key, field] of fields) processing[key.split('.')[1]] = field.get();
    try {
      const result = await call('retry_images', ids, mode, mode === 'modified' ? processing : {}, includeMetadata.checked,
        [...hard].filter(([, box]) => box.checked).map(([stage]) => stage));
      queued = result.queued;
      return true;
    } catch (err) {
      toastError(err, 'Retry not queued.');
      return false;
    }
  };
  const modal = openModal({
    title: ids.length === 1 ? 'Retry 1 image' : `Retry ${ids.length} images`,
    subtitle: 'Processing only: the image is not generated or checked again.',
    testid: 'retry-dialog', size: 'xl', body,
    actions: [{ label: ids.length === 1 ? 'Retry image' : `Retry ${ids.length} images`, value: 'ok', variant: 'primary', testid: 'retry-submit', isDefault: true, run: submit }],
  });
  await modal.result;
  if (queued) toast(`${queued === 1 ? '1 image' : `${queued} images`} queued for retry`, { kind: 'success' });
  return queued > 0;
}

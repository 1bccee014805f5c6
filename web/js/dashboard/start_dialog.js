/**
 * The "Start job" dialog: the saved settings prefilled, with per-run overrides of label, generations,
 * variations, provider, model, the QC / metadata switches, the job's budget and the stock target (whose needs
 * become overrides of this run, listed in a notice), with the estimate of what the job will cost (estimate_job),
 * refreshed as the values change. Resolves with the started execution or null.
 * Pre-flight problems (a missing key, keyword file, folder) show inline, each with a button to its setting.
 */

import { call } from '../bridge.js';
import { debounce, h, uniqueId } from '../dom.js';
import { money } from '../format.js';
import { icon } from '../icons.js';
import { navigate } from '../router.js';
import { chooseStockTarget, targetNotice } from '../ui/target_notice.js';
import { toastError } from '../ui/toast.js';

const PREFLIGHT_DELAY_MS = 300;

/** Return the Settings path of a problem's setting: "keys.openai" -> the API keys tab, else its section's tab. */
function settingsPath(setting) {
  const [section] = setting.split('.');
  return `/settings/${section}/${setting}`;
}

/** Render the problem list into `box`; `onOpen(setting)` runs when a problem's button is pressed. */
function showProblems(box, problems, onOpen) {
  box.hidden = problems.length === 0;
  box.replaceChildren(
    h('p', { class: 'start-problems-title', text: problems.length === 1 ? 'Fix this before starting:' : `Fix these ${problems.length} things before starting:` }),
    h('ul', {}, problems.map((problem) => h('li', { 'data-testid': 'start-problem', 'data-setting': problem.setting },
      h('span', { text: problem.message }),
      problem.setting ? h('button', {
        class: 'btn btn-sm', type: 'button', 'data-testid': `start-problem-open-${problem.setting}`,
        text: problem.setting.startsWith('keys.') ? 'Open API keys' : 'Open in Settings',
        onClick: () => onOpen(problem.setting),
      }) : null))));
}

function findSetting(schema, key) {
  for (const section of schema || []) {
    const found = (section.settings || []).find((s) => s.key === key);
    if (found) return found;
  }
  return null;
}

function valueOf(settings, key) {
  const [section, name] = key.split('.');
  return settings?.[section]?.[name];
}

function fieldRow(key, label, input, help = null) {
  const id = uniqueId('start');
  input.id = id;
  input.dataset.testid = `start-${key.replace(/^[a-z]+\./, '').replace(/_/g, '-')}`;
  const error = h('p', { class: 'field-error', 'data-error-for': key, 'aria-live': 'polite' });
  const isSwitch = input.type === 'checkbox';
  return h('div', { class: `start-field${isSwitch ? ' is-switch' : ''}` },
    h('label', { for: id, text: label }),
    help ? h('p', { class: 'field-help', text: help }) : null,
    input, error);
}

function buildInputs(data) {
  const { settings, schema } = data;
  const providers = findSetting(schema, 'parameters.provider')?.choices || [];
  const targets = findSetting(schema, 'output.stock_target')?.choices || [];
  const number = (key, min, max) => h('input', { class: 'input', type: 'number', min, max, step: 1, value: valueOf(settings, key) ?? 1, inputmode: 'numeric' });
  const toggle = (key) => h('input', { class: 'switch', type: 'checkbox', role: 'switch', checked: Boolean(valueOf(settings, key)) });
  return {
    'parameters.label': h('input', { class: 'input', type: 'text', value: valueOf(settings, 'parameters.label') || '', placeholder: 'Keyword file name and date', autocomplete: 'off' }),
    'parameters.count': number('parameters.count', 1, findSetting(schema, 'parameters.count')?.max ?? 2500),
    'parameters.variations': number('parameters.variations', 1, findSetting(schema, 'parameters.variations')?.max ?? 20),
    'parameters.provider': h('select', { class: 'select' }, providers.map((c) => h('option', { value: c.value, text: c.label, selected: c.value === valueOf(settings, 'parameters.provider') }))),
    'parameters.openai_model': h('input', { class: 'input', type: 'text', value: valueOf(settings, 'parameters.openai_model') || '', spellcheck: 'false', autocomplete: 'off' }),
    'ai.run_quality_check': toggle('ai.run_quality_check'),
    'ai.run_metadata_gen': toggle('ai.run_metadata_gen'),
    'output.stock_target': h('select', { class: 'select' }, targets.map((c) => h('option', { value: c.value, text: c.label, selected: c.value === valueOf(settings, 'output.stock_target') }))),
    // Empty = no cap for this run (sent as 0); prefilled with the saved per-job budget when there is one.
    'parameters.budget_usd': h('input', { class: 'input', type: 'number', min: 0, step: 0.01, inputmode: 'decimal', placeholder: 'No cap', value: Number(valueOf(settings, 'parameters.budget_usd')) > 0 ? valueOf(settings, 'parameters.budget_usd') : '' }),
  };
}

/** Return the saved settings as {"section.name": value}. */
function flatSettings(settings) {
  const flat = {};
  for (const [section, values] of Object.entries(settings || {})) {
    for (const [name, value] of Object.entries(values || {})) flat[`${section}.${name}`] = value;
  }
  return flat;
}

function estimateText(estimate) {
  const calls = estimate.calls_low === estimate.calls_high ? `${estimate.calls_low}` : `${estimate.calls_low}–${estimate.calls_high}`;
  return `${estimate.images} image${estimate.images === 1 ? '' : 's'}, ${calls} paid calls, likely about ${money(estimate.usd_likely)} (${money(estimate.usd_low)}–${money(estimate.usd_high)})`;
}

/** Keep the estimate line in step with the form (stale answers are dropped). */
function estimatePanel(inputs) {
  const figures = h('p', { class: 'start-estimate-figures', 'data-testid': 'start-estimate-figures', text: 'Estimating…' });
  const note = h('p', { class: 'field-help', 'data-testid': 'start-estimate-note' });
  const element = h('div', { class: 'start-estimate', 'data-testid': 'start-estimate', 'aria-live': 'polite' },
    h('div', { class: 'stat-label', text: 'Estimated cost' }), figures, note);
  let sequence = 0;
  const refresh = async () => {
    const mine = ++sequence;
    try {
      const estimate = await call('estimate_job', overridesFrom(inputs));
      if (mine !== sequence) return;
      figures.textContent = estimateText(estimate);
      const budget = Number(inputs['parameters.budget_usd'].value || 0);
      const notes = [`The upper end counts ${estimate.retries} retr${estimate.retries === 1 ? 'y' : 'ies'} per paid call.`];
      if (budget > 0 && budget < estimate.usd_high) notes.push(`The ${money(budget)} budget may stop the job before it ends.`);
      if (estimate.unpriced.length) notes.push(`No price for ${estimate.unpriced.join(', ')}: set one in Settings → Advanced.`);
      note.textContent = notes.join(' ');
    } catch (err) {
      if (mine !== sequence) return;
      figures.textContent = 'No estimate for these values.';
      note.textContent = err.message || '';
    }
  };
  return { element, refresh, schedule: debounce(refresh, 250) };
}

function overridesFrom(inputs) {
  const values = {};
  for (const [key, input] of Object.entries(inputs)) {
    if (input.type === 'checkbox') values[key] = input.checked;
    else if (key === 'parameters.budget_usd') values[key] = input.value.trim() === '' ? 0 : Number(input.value);
    else if (input.type === 'number') values[key] = input.value.trim() === '' ? '' : Number(input.value);
    else values[key] = input.value;
  }
  return values;
}

function showErrors(form, fields) {
  form.querySelectorAll('[data-error-for]').forEach((el) => {
    el.textContent = fields[el.dataset.errorFor] || '';
    const input = el.previousElementSibling;
    if (fields[el.dataset.errorFor]) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  });
}

/** Open the dialog; resolve with the started (or queued) execution, or null when cancelled. */
export async function openStartDialog({ isBusy = false } = {}) {
  let data;
  try {
    data = await call('get_settings');
  } catch (err) {
    toastError(err, 'Could not read the settings.');
    return null;
  }
  const inputs = buildInputs(data);
  // What the chosen stock target changes, sent as this run's overrides with the dialog's own values.
  let targetValues = {};
  const targetBox = h('div', { class: 'start-wide', 'data-testid': 'start-target-box' });
  const estimate = estimatePanel(inputs);
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'start-submit' }, icon('play'), isBusy ? 'Add to queue' : 'Start');
  const cancel = h('button', { class: 'btn', type: 'button', 'data-testid': 'start-cancel', text: 'Cancel' });
  const problemsBox = h('div', { class: 'start-problems', role: 'alert', 'data-testid': 'start-problems', hidden: true });
  const form = h('form', { class: 'start-form', novalidate: true },
    h('div', { class: 'start-head' }, h('h2', { id: 'start-title', text: 'Start a job' }),
      h('p', { text: isBusy ? 'A job is running: this one waits in the queue and starts when it ends.' : 'Runs with your saved settings; the values below apply to this run only.' })),
    h('div', { class: 'start-grid' },
      h('div', { class: 'start-wide' }, fieldRow('parameters.label', 'Job label', inputs['parameters.label'])),
      fieldRow('parameters.count', 'Generations', inputs['parameters.count']),
      fieldRow('parameters.variations', 'Variations', inputs['parameters.variations']),
      fieldRow('parameters.provider', 'Image provider', inputs['parameters.provider']),
      fieldRow('parameters.openai_model', 'Text and vision model', inputs['parameters.openai_model']),
      fieldRow('ai.run_quality_check', 'Quality check', inputs['ai.run_quality_check']),
      fieldRow('ai.run_metadata_gen', 'Write metadata', inputs['ai.run_metadata_gen']),
      fieldRow('parameters.budget_usd', 'Budget (USD)', inputs['parameters.budget_usd'], 'Stops the job before a paid call would pass it. Empty: no cap.'),
      h('div', { class: 'start-wide' }, fieldRow('output.stock_target', 'Stock target', inputs['output.stock_target'],
        'Sets format, quality, size and file-name length for the site, for this run.')),
      targetBox,
      h('div', { class: 'start-wide' }, estimate.element)),
    problemsBox,
    h('div', { class: 'dialog-actions' }, cancel, submit));
  inputs['output.stock_target'].addEventListener('change', async () => {
    const target = inputs['output.stock_target'].value;
    try {
      const result = await chooseStockTarget({ ...flatSettings(data.settings), ...overridesFrom(inputs) }, target);
      targetValues = Object.fromEntries(result.changes.map((c) => [c.key, result.values[c.key]]));
      const label = inputs['output.stock_target'].selectedOptions[0]?.textContent || target;
      targetBox.replaceChildren(targetNotice(label, result.changes, 'start-target-notice'));
    } catch (err) {
      toastError(err, 'Could not apply the stock target.');
    }
  });
  const dialog = h('dialog', { class: 'dialog start-dialog', 'aria-labelledby': 'start-title', 'data-testid': 'start-dialog', 'data-drop': 'keywords' }, form);
  return new Promise((resolve) => {
    let result = null;
    const previous = document.activeElement;
    let nextPath = null;
    const openSetting = (setting) => {
      nextPath = settingsPath(setting);
      dialog.close();
    };
    let seq = 0;
    const check = async () => {
      seq += 1;
      const mine = seq;
      try {
        const answer = await call('preflight', { ...targetValues, ...overridesFrom(inputs) });
        if (mine !== seq) return;
        // A value typed in this dialog is explained under its field; the rest is listed with a way to fix it.
        const problems = answer.problems || [];
        showErrors(form, Object.fromEntries(problems.filter((p) => p.setting in inputs).map((p) => [p.setting, p.message])));
        showProblems(problemsBox, problems.filter((p) => !(p.setting in inputs)), openSetting);
      } catch (err) {
        // The check is advice: Start asks the same question and answers with the problems.
        if (mine === seq) showProblems(problemsBox, [], openSetting);
      }
    };
    const checkSoon = debounce(check, PREFLIGHT_DELAY_MS);
    form.addEventListener('input', checkSoon);
    form.addEventListener('change', checkSoon);
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      checkSoon.cancel();
      seq += 1;
      dialog.remove();
      if (previous && typeof previous.focus === 'function') previous.focus();
      resolve(result);
      if (nextPath) navigate(nextPath);
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        result = await call('start_job', { ...targetValues, ...overridesFrom(inputs) }, 'queue');
        dialog.close();
      } catch (err) {
        if (err.problems && err.problems.length) {
          showProblems(problemsBox, err.problems, openSetting);
          return;
        }
        if (err.fields && Object.keys(err.fields).length) showErrors(form, err.fields);
        toastError(err, 'The job did not start.');
      } finally {
        submit.disabled = false;
      }
    });
    form.addEventListener('input', estimate.schedule);
    form.addEventListener('change', estimate.schedule);
    document.body.append(dialog);
    dialog.showModal();
    estimate.refresh();
    inputs['parameters.label'].focus();
    check();
  });
}

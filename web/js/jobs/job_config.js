/**
 * Edit the configuration that future reruns of a job use: the settings form (views/settings_form.js) for the
 * job's stored configuration in a modal, with section tabs. The run already recorded never changes.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { banner } from '../ui/states.js';
import { toast, toastError } from '../ui/toast.js';
import { SettingsForm } from '../views/settings_form.js';
import { openModal } from './modal.js';

function sectionTabs(form, schema) {
  const tabs = new Map();
  const show = (name) => {
    for (const [tabName, tab] of tabs) {
      const isOn = tabName === name;
      tab.setAttribute('aria-selected', String(isOn));
      tab.tabIndex = isOn ? 0 : -1;
      form.panels.get(tabName).hidden = !isOn;
    }
  };
  const list = h('div', { class: 'settings-tabs config-tabs', role: 'tablist', 'aria-orientation': 'vertical', 'aria-label': 'Sections' },
    schema.map((section) => {
      const tab = h('button', {
        class: 'settings-tab', type: 'button', role: 'tab', 'data-testid': `config-tab-${section.name}`, onClick: () => show(section.name),
      }, h('span', { text: section.label }), h('span', { class: 'tab-error', hidden: true, title: 'Has errors' }));
      tabs.set(section.name, tab);
      return tab;
    }));
  const markErrors = () => {
    const bad = form.sectionsWithErrors();
    for (const [name, tab] of tabs) tab.querySelector('.tab-error').hidden = !bad.has(name);
    return bad;
  };
  return { list, show, markErrors };
}

/** Open the editor for job `job`; resolve true when the configuration was saved. */
export async function editJobConfiguration(job) {
  let data;
  try {
    data = await call('get_job_configuration', job.id);
  } catch (err) {
    toastError(err, 'Could not load the job configuration.');
    return false;
  }
  const form = new SettingsForm(data.schema, data.settings, {
    onChange: () => {},
    onBrowse: async (field) => {
      try {
        const picked = await call('pick_path', field.setting.kind, field.setting.file_types || [], String(field.get() || ''));
        if (picked && picked.path) { field.set(picked.path); form.changed(); }
      } catch (err) { toastError(err, 'Could not open the file chooser.'); }
    },
    onPathChange: () => {},
  });
  const tabs = sectionTabs(form, data.schema);
  tabs.show(data.schema[0].name);
  let isSaved = false;
  const save = async () => {
    try {
      await call('update_job_configuration', job.id, form.values());
      isSaved = true;
      return true;
    } catch (err) {
      if (err.code !== 'validation_error') { toastError(err, 'Not saved.'); return false; }
      form.setErrors(err.fields || {});
      const bad = tabs.markErrors();
      if (bad.size) tabs.show([...bad][0]);
      toast(`Not saved. ${err.message}`, { kind: 'error' });
      return false;
    }
  };
  const modal = openModal({
    title: 'Edit configuration for reruns', subtitle: data.name ? `Configuration “${data.name}”` : `Job “${job.label}”`,
    testid: 'config-dialog', size: 'xl',
    body: h('div', { class: 'config-editor' },
      banner('Changes apply to future reruns only. This run and its recorded settings stay as they were.', { tone: 'info', testid: 'config-note' }),
      h('div', { class: 'config-layout' }, tabs.list, h('div', { class: 'config-panels' }, [...form.panels.values()]))),
    actions: [{ label: 'Save configuration', value: 'save', variant: 'primary', testid: 'config-save', run: save }],
  });
  await modal.result;
  if (isSaved) toast('Configuration saved; the next rerun uses it', { kind: 'success' });
  return isSaved;
}

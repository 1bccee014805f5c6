/**
 * Settings: side tabs (API keys first, then one per schema section), Save with an unsaved-changes marker,
 * live validation through validate_settings, Reset with a keep-keys choice, and notices from the Api.
 */

import { call } from '../bridge.js';
import { debounce, h } from '../dom.js';
import { icon } from '../icons.js';
import { replacePath } from '../router.js';
import { confirmDialog, openDialog } from '../ui/dialog.js';
import { showNotice } from '../ui/notices.js';
import { chooseStockTarget, targetNotice } from '../ui/target_notice.js';
import { applyTheme } from '../ui/theme.js';
import { refreshUpdateCheck } from '../ui/update_check.js';
import { toast, toastError } from '../ui/toast.js';
import { SettingsForm } from './settings_form.js';
import { KeysPanel } from './settings_keys.js';
import { ModelStatus } from './settings_model.js';
import { priceTable } from './settings_prices.js';

const KEYS_TAB = 'keys';
const VALIDATE_DELAY_MS = 350;

class SettingsView {
  constructor(root, data, keyStatus) {
    this.root = root;
    this.validateSeq = 0;
    this.keys = new KeysPanel();
    this.keys.update(keyStatus);
    this.validateSoon = debounce(() => this.validate(), VALIDATE_DELAY_MS);
    this.form = new SettingsForm(data.schema, data.settings, {
      onChange: () => { if (this.saveButton) { this.refreshDirty(); this.validateSoon(); } },
      onBrowse: (field) => this.browse(field),
      onPathChange: (field) => this.checkPath(field),
    });
    this.tabs = new Map();
    this.panels = new Map([[KEYS_TAB, this.keys.element], ...this.form.panels]);
    this.panels.get('advanced')?.append(priceTable());
    this.render(data);
    (data.notices || []).forEach((notice) => showNotice(notice));
    this.form.pathFields().forEach((field) => this.checkPath(field));
    const modelField = this.form.fields.get('processing.rembg_model');
    if (modelField) this.model = new ModelStatus(modelField);
    // The theme shows at once when chosen; Save keeps it, leaving without saving puts the saved one back.
    this.savedTheme = data.settings?.ui?.theme;
    const themeField = this.form.fields.get('ui.theme');
    themeField?.input.addEventListener('change', () => applyTheme(themeField.get()));
    const targetField = this.form.fields.get('output.stock_target');
    if (targetField) {
      targetField.input.addEventListener('change', () => this.chooseTarget(targetField));
      // Choosing the target already shown fires no change: this applies its needs again on demand.
      targetField.row.append(h('button', {
        class: 'btn btn-sm target-apply', type: 'button', 'data-testid': 'settings-target-apply', text: 'Apply its settings',
        onClick: () => this.chooseTarget(targetField),
      }));
    }
  }

  /** Apply what the chosen stock target needs to the form and list each change under the field. */
  async chooseTarget(field) {
    const target = String(field.get());
    try {
      const result = await chooseStockTarget(this.form.flatValues(), target);
      for (const change of result.changes) this.form.fields.get(change.key)?.set(result.values[change.key]);
      this.form.changed();
      const label = field.setting.choices.find((c) => c.value === target)?.label || target;
      field.row.querySelector('.target-notice')?.remove();
      field.row.append(targetNotice(label, result.changes, 'settings-target-notice'));
    } catch (err) {
      toastError(err, 'Could not apply the stock target.');
    }
  }

  render(data) {
    const tabs = [{ name: KEYS_TAB, label: 'API keys' }, ...data.schema.map((s) => ({ name: s.name, label: s.label }))];
    const tablist = h('div', { class: 'settings-tabs', role: 'tablist', 'aria-orientation': 'vertical', 'aria-label': 'Settings sections', onKeydown: (e) => this.tabKeys(e) },
      tabs.map(({ name, label }) => {
        const tab = h('button', {
          class: 'settings-tab', type: 'button', role: 'tab', id: `tab-${name}`, 'aria-controls': `panel-${name}`,
          'data-testid': `settings-tab-${name}`, onClick: () => this.select(name, true),
        }, h('span', { text: label }), h('span', { class: 'tab-error', hidden: true, title: 'Has errors' }));
        this.tabs.set(name, tab);
        return tab;
      }));
    const panels = [...this.panels].map(([name, el]) => h('div', {
      role: 'tabpanel', id: `panel-${name}`, 'aria-labelledby': `tab-${name}`, 'data-testid': `settings-panel-${name}`,
    }, el));
    this.dirty = h('span', { class: 'dirty is-invisible', 'data-testid': 'settings-dirty', text: 'Unsaved changes' });
    this.saveButton = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'settings-save', text: 'Save', disabled: true, onClick: () => this.save() });
    this.root.replaceChildren(
      h('div', { class: 'settings-bar' },
        h('div', {}, h('h1', { text: 'Settings' })),
        h('div', { class: 'toolbar' }, this.dirty,
          h('button', { class: 'btn', type: 'button', 'data-testid': 'settings-reset', onClick: () => this.reset() }, icon('reset'), 'Reset…'),
          this.saveButton)),
      h('div', { class: 'settings-layout' }, tablist, h('div', { class: 'settings-panels' }, panels)));
  }

  /** Show one tab; `fromUser` records it in the URL so a reload returns to it. */
  select(name, fromUser = false) {
    const chosen = this.panels.has(name) ? name : KEYS_TAB;
    for (const [tabName, tab] of this.tabs) {
      const isActive = tabName === chosen;
      tab.setAttribute('aria-selected', String(isActive));
      tab.tabIndex = isActive ? 0 : -1;
      document.getElementById(`panel-${tabName}`).hidden = !isActive;
    }
    this.active = chosen;
    if (fromUser) replacePath(`/settings/${chosen}`);
  }

  /** Bring one field into view and focus it: "keys.<vendor>" is a key input, else a schema key. */
  focusField(key) {
    if (!key) return;
    const [section, name] = key.split('.');
    const input = section === KEYS_TAB ? document.getElementById(`key-${name}`) : this.form.fields.get(key)?.input;
    if (!input) return;
    input.scrollIntoView({ block: 'center' });
    input.focus();
  }

  tabKeys(event) {
    const names = [...this.tabs.keys()];
    const index = names.indexOf(this.active);
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    let next = null;
    if (event.key in moves) next = names[(index + moves[event.key] + names.length) % names.length];
    else if (event.key === 'Home') next = names[0];
    else if (event.key === 'End') next = names[names.length - 1];
    if (next === null) return;
    event.preventDefault();
    this.select(next, true);
    this.tabs.get(next).focus();
  }

  refreshDirty() {
    const dirty = this.form.isDirty();
    this.dirty.classList.toggle('is-invisible', !dirty);
    this.saveButton.disabled = !dirty || this.saving;
  }

  showErrors(errors) {
    this.form.setErrors(errors);
    const withErrors = this.form.sectionsWithErrors();
    for (const [name, tab] of this.tabs) tab.querySelector('.tab-error').hidden = !withErrors.has(name);
  }

  async validate() {
    this.validateSeq += 1;
    const seq = this.validateSeq;
    try {
      const result = await call('validate_settings', this.form.values());
      if (seq === this.validateSeq) this.showErrors(result.errors || {});
    } catch (err) {
      if (seq === this.validateSeq && err.code === 'validation_error') this.showErrors(err.fields);
    }
  }

  async save() {
    this.validateSoon.cancel();
    this.validateSeq += 1; // a late live-validation answer must not overwrite the save's verdict
    this.saving = true;
    this.saveButton.disabled = true;
    try {
      const data = await call('save_settings', this.form.values());
      this.form.load(data.settings || data);
      this.keepTheme(data.settings || data);
      this.showErrors({});
      refreshUpdateCheck();  // the update check may have been turned on or off
      toast('Settings saved', { kind: 'success' });
    } catch (err) {
      if (err.code === 'validation_error') this.saveRefused(err);
      else toastError(err, 'Settings were not saved.');
    } finally {
      this.saving = false;
      this.refreshDirty();
    }
  }

  /** Record and apply the theme of settings just saved or reset. */
  keepTheme(settings) {
    this.savedTheme = settings?.ui?.theme;
    applyTheme(this.savedTheme);
  }

  saveRefused(err) {
    this.showErrors(err.fields || {});
    const keys = Object.keys(err.fields || {});
    const sections = this.form.sectionsWithErrors();
    if (sections.size && !sections.has(this.active)) this.select([...this.tabs.keys()].find((n) => sections.has(n)), true);
    const labels = keys.map((k) => this.form.labelOf(k)).join(', ');
    toast(`Settings were not saved. Check: ${labels || err.message}`, { kind: 'error' });
  }

  async reset() {
    const choice = await openDialog({
      title: 'Reset settings to defaults?',
      message: 'Every setting goes back to its default value. You can keep your API keys or remove them too.',
      tone: 'danger',
      testid: 'reset-dialog',
      actions: [
        { label: 'Reset everything', value: 'full', variant: 'danger', testid: 'reset-full' },
        { label: 'Reset, keep API keys', value: 'keep', variant: 'primary', testid: 'reset-keep-keys', isDefault: true },
      ],
    });
    if (choice !== 'full' && choice !== 'keep') return;
    try {
      const data = await call('reset_settings', choice === 'keep');
      this.form.load(data.settings || data);
      this.keepTheme(data.settings || data);
      this.showErrors({});
      await this.keys.reload();
      toast(choice === 'keep' ? 'Settings reset; API keys kept' : 'Settings and API keys reset', { kind: 'success' });
    } catch (err) {
      toastError(err, 'Reset failed.');
    }
  }

  async browse(field) {
    const { setting } = field;
    try {
      const result = await call('pick_path', setting.kind, setting.file_types || [], String(field.get() || ''));
      if (result && result.path) {
        field.set(result.path);
        this.form.changed();
        this.checkPath(field);
      }
    } catch (err) {
      toastError(err, 'Could not open the file chooser.');
    }
    field.input.focus();
  }

  /** Warn under a file or folder field when the path is missing or unusable. */
  async checkPath(field) {
    const path = String(field.get() || '').trim();
    if (!path) {
      field.setNote('');
      return;
    }
    try {
      const result = await call('validate_path', path, field.setting.kind);
      if (String(field.get() || '').trim() === path) field.setNote(result.ok ? '' : result.message);
    } catch (err) {
      field.setNote(err.message);
    }
  }

  async canLeave() {
    if (!this.form.isDirty()) return true;
    return confirmDialog({
      title: 'Discard unsaved changes?',
      message: 'You changed settings without saving them. Leaving this page throws those changes away.',
      confirmLabel: 'Discard changes',
      danger: true,
      testid: 'confirm-discard',
    });
  }
}

/** Mount the settings view into `root`; `params.tab` picks the initial tab, `params.field` the field to focus. */
export async function mount(root, params) {
  const [data, keyStatus] = await Promise.all([call('get_settings'), call('key_status')]);
  const view = new SettingsView(root, data, keyStatus);
  view.select(params.tab || KEYS_TAB);
  view.focusField(params.field);
  return {
    update: (next) => { view.select(next.tab || KEYS_TAB); view.focusField(next.field); },
    canLeave: () => view.canLeave(),
    destroy: () => { view.validateSoon.cancel(); applyTheme(view.savedTheme); },
  };
}

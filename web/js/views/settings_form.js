/**
 * The generated settings form: one panel per schema section, fields by kind, live visibility rules,
 * dirty tracking against the last saved values and per-field error messages.
 */

import { h } from '../dom.js';
import { createField } from '../ui/fields.js';

function sameValue(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return String(a ?? '') === String(b ?? '') && typeof a === typeof b;
}

/** Return {section: {name: value}} from {"section.name": value}. */
export function nest(flat) {
  const nested = {};
  for (const [key, value] of Object.entries(flat)) {
    const [section, name] = key.split(/\.(.*)/s);
    (nested[section] ||= {})[name] = value;
  }
  return nested;
}

function flatten(settings, schema) {
  const flat = {};
  for (const section of schema) {
    for (const setting of section.settings) {
      const [sec, name] = setting.key.split(/\.(.*)/s);
      const value = settings?.[sec]?.[name];
      flat[setting.key] = value === undefined || value === null ? setting.default : value;
    }
  }
  return flat;
}

export class SettingsForm {
  /** Build the form; hooks: {onChange(), onBrowse(field), onPathChange(field)}. */
  constructor(schema, settings, hooks) {
    this.schema = schema;
    this.hooks = hooks;
    this.fields = new Map();
    this.panels = new Map();
    this.errors = {};
    for (const section of schema) this.panels.set(section.name, this.buildPanel(section));
    this.load(settings);
  }

  buildPanel(section) {
    const make = (setting) => {
      const field = createField(setting, {
        onInput: () => this.changed(),
        onBrowse: (f) => this.hooks.onBrowse(f),
        onPathChange: (f) => this.hooks.onPathChange(f),
      });
      this.fields.set(setting.key, field);
      return field.row;
    };
    const basic = section.settings.filter((s) => !s.advanced).map(make);
    const advanced = section.settings.filter((s) => s.advanced).map(make);
    const group = advanced.length
      ? h('details', { class: 'advanced-group', 'data-testid': `advanced-${section.name}` },
        h('summary', { text: `Advanced (${advanced.length})` }), h('div', { class: 'fields' }, advanced))
      : null;
    return h('div', { class: 'panel-stack' },
      h('div', { class: 'panel-intro' }, h('h2', { text: section.label }), section.help ? h('p', { text: section.help }) : null),
      h('div', { class: 'card fields' }, basic, group));
  }

  /** Set every field from nested settings and treat them as saved. */
  load(settings) {
    this.saved = flatten(settings, this.schema);
    for (const [key, field] of this.fields) field.set(this.saved[key]);
    this.setErrors({});
    this.changed();
  }

  /** Return the current form values as {"section.name": value}. */
  flatValues() {
    const flat = {};
    for (const [key, field] of this.fields) flat[key] = field.get();
    return flat;
  }

  /** Return the current form values nested by section, as save_settings expects. */
  values() {
    return nest(this.flatValues());
  }

  /** Return true when any value differs from the last saved one. */
  isDirty() {
    const flat = this.flatValues();
    return Object.keys(flat).some((key) => !sameValue(flat[key], this.saved[key]));
  }

  changed() {
    this.applyVisibility();
    this.hooks.onChange();
  }

  /** Show a field only while every visible_if condition holds against the current values. */
  applyVisibility() {
    const flat = this.flatValues();
    for (const field of this.fields.values()) {
      const conditions = field.setting.visible_if || [];
      field.row.hidden = !conditions.every((c) => c.values.some((v) => sameValue(v, flat[c.key])));
    }
  }

  /** Show {key: message} under the fields; clear every other field's message. */
  setErrors(errors) {
    this.errors = { ...errors };
    for (const [key, field] of this.fields) {
      field.setError(errors[key] || '');
      // An error inside a collapsed group must not stay out of sight.
      if (errors[key] && field.setting.advanced) field.row.closest('details').open = true;
    }
  }

  /** Return the names of sections that hold at least one field error. */
  sectionsWithErrors() {
    const names = new Set();
    for (const key of Object.keys(this.errors)) {
      if (this.fields.has(key)) names.add(key.split('.')[0]);
    }
    return names;
  }

  /** Return the file and folder fields. */
  pathFields() {
    return [...this.fields.values()].filter((f) => f.setting.kind === 'file' || f.setting.kind === 'dir');
  }

  /** Return the label of a field, or the key when unknown. */
  labelOf(key) {
    return this.fields.get(key)?.setting.label || key;
  }
}

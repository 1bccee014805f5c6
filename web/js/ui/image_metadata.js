/**
 * The image modal's Metadata tab: title, description and keywords with the stock preset's limits as live
 * counters ("54/70", red when over), the saved metadata's problems, and Save / Revert.
 */

import { call } from '../bridge.js';
import { h, uniqueId } from '../dom.js';
import { toast, toastError } from './toast.js';

const PRESET_LABELS = { adobe_stock: 'Adobe Stock', shutterstock: 'Shutterstock', freepik: 'Freepik', custom: 'Custom limits' };

/** Split keyword text on commas, semicolons and new lines; drop blanks and repeats (case-insensitive). */
export function parseKeywords(text) {
  const seen = new Set();
  const words = [];
  for (const raw of String(text).split(/[,;\n]/)) {
    const word = raw.trim();
    if (word && !seen.has(word.toLowerCase())) {
      seen.add(word.toLowerCase());
      words.push(word);
    }
  }
  return words;
}

function labelled(label, control, counter, testid) {
  const id = uniqueId('meta');
  control.id = id;
  return h('div', { class: 'meta-field', 'data-testid': testid },
    h('div', { class: 'meta-label-row' }, h('label', { for: id, text: label }), counter),
    control);
}

export class MetadataForm {
  /** Build the form; onSaved(image) runs after a successful save. */
  constructor({ onSaved }) {
    this.onSaved = onSaved;
    this.image = null;
    this.title = h('input', { class: 'input', type: 'text', spellcheck: 'true', 'data-testid': 'modal-meta-title' });
    this.description = h('textarea', { class: 'textarea', rows: 4, 'data-testid': 'modal-meta-description' });
    this.keywords = h('textarea', { class: 'textarea', rows: 5, spellcheck: 'false', 'data-testid': 'modal-meta-keywords', placeholder: 'keyword, another keyword, …' });
    this.titleCount = h('span', { class: 'meta-count', 'data-testid': 'modal-meta-title-count' });
    this.descriptionCount = h('span', { class: 'meta-count', 'data-testid': 'modal-meta-description-count' });
    this.keywordsCount = h('span', { class: 'meta-count', 'data-testid': 'modal-meta-keywords-count' });
    this.preset = h('p', { class: 'meta-preset', 'data-testid': 'modal-meta-preset' });
    this.problems = h('ul', { class: 'meta-problems', 'data-testid': 'modal-meta-problems' });
    this.saveButton = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'modal-meta-save', text: 'Save', onClick: () => this.save() });
    this.revertButton = h('button', { class: 'btn', type: 'button', 'data-testid': 'modal-meta-revert', text: 'Revert', onClick: () => this.load(this.image) });
    for (const input of [this.title, this.description, this.keywords]) input.addEventListener('input', () => this.refresh());
    this.element = h('div', { class: 'meta-form' },
      this.preset,
      labelled('Title', this.title, this.titleCount, 'modal-meta-title-field'),
      labelled('Description', this.description, this.descriptionCount, 'modal-meta-description-field'),
      labelled('Keywords', this.keywords, this.keywordsCount, 'modal-meta-keywords-field'),
      this.problems,
      h('div', { class: 'meta-actions' }, this.revertButton, this.saveButton));
  }

  /** Fill the form from an image (from get_image: metadata, limits, problems). */
  load(image) {
    this.image = image;
    const meta = image.metadata || {};
    this.title.value = meta.title || '';
    this.description.value = meta.description || '';
    this.keywords.value = (meta.keywords || []).join(', ');
    this.saved = this.values();
    const limits = image.limits || {};
    this.preset.textContent = `Limits of ${PRESET_LABELS[limits.preset] || limits.preset || 'the chosen site'}: title ${limits.title_max}, description ${limits.description_max}, ${limits.keywords_min}–${limits.keywords_max} keywords.`;
    this.showProblems(image.problems || []);
    this.refresh();
  }

  values() {
    return { title: this.title.value, description: this.description.value, keywords: parseKeywords(this.keywords.value) };
  }

  /** Return true when the form differs from the saved metadata. */
  isDirty() {
    return Boolean(this.saved) && JSON.stringify(this.values()) !== JSON.stringify(this.saved);
  }

  refresh() {
    const limits = (this.image && this.image.limits) || {};
    const { title, description, keywords } = this.values();
    const paint = (el, text, isBad) => {
      el.textContent = text;
      el.classList.toggle('is-over', isBad);
    };
    paint(this.titleCount, `${title.length}/${limits.title_max}`, title.length > limits.title_max);
    paint(this.descriptionCount, `${description.length}/${limits.description_max}`, description.length > limits.description_max);
    paint(this.keywordsCount, `${keywords.length}/${limits.keywords_max} (min ${limits.keywords_min})`,
      keywords.length > limits.keywords_max || keywords.length < limits.keywords_min);
    const dirty = this.isDirty();
    this.saveButton.disabled = !dirty || this.isSaving;
    this.revertButton.disabled = !dirty || this.isSaving;
  }

  showProblems(list) {
    this.problems.replaceChildren(...list.map((text) => h('li', { text })));
    this.problems.hidden = list.length === 0;
  }

  async save() {
    if (!this.image) return;
    this.isSaving = true;
    this.refresh();
    try {
      await call('update_image_metadata', this.image.id, this.values());
      const fresh = await call('get_image', this.image.id);
      this.load(fresh);
      toast('Metadata saved', { kind: 'success' });
      this.onSaved(fresh);
    } catch (err) {
      toastError(err, 'Metadata was not saved.');
    } finally {
      this.isSaving = false;
      this.refresh();
    }
  }
}

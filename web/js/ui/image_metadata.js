/**
 * The image modal's Metadata tab: title, description and keywords with the stock preset's limits as live
 * counters ("54/70", red when over), each stock site's categories as selects from its fixed list (Adobe
 * Stock one, Shutterstock up to two), the saved metadata's problems, and Save / Revert.
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

/** Return the category fields of one site: as many selects as the site takes, each from its list. */
function categorySelects(site) {
  const selects = [];
  for (let i = 0; i < Math.max(1, site.max); i += 1) {
    const testid = site.max > 1 ? `modal-meta-category-${site.site}-${i + 1}` : `modal-meta-category-${site.site}`;
    const label = site.max > 1 ? `${site.label} category ${i + 1}` : `${site.label} category`;
    const select = h('select', { class: 'select', 'data-testid': testid, 'aria-label': label },
      h('option', { value: '', text: i === 0 && site.min > 0 ? '— choose —' : '— none —' }),
      site.options.map((c) => h('option', { value: c.id, text: c.id === c.name ? c.name : `${c.id} · ${c.name}` })));
    select.value = site.chosen[i] || '';
    selects.push(select);
  }
  return selects;
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
    this.categoryBox = h('div', { class: 'meta-categories', 'data-testid': 'modal-meta-categories' });
    this.categorySelects = new Map(); // site id -> [select]
    this.saveButton = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'modal-meta-save', text: 'Save', onClick: () => this.save() });
    this.revertButton = h('button', { class: 'btn', type: 'button', 'data-testid': 'modal-meta-revert', text: 'Revert', onClick: () => this.load(this.image) });
    for (const input of [this.title, this.description, this.keywords]) input.addEventListener('input', () => this.refresh());
    this.element = h('div', { class: 'meta-form' },
      this.preset,
      labelled('Title', this.title, this.titleCount, 'modal-meta-title-field'),
      labelled('Description', this.description, this.descriptionCount, 'modal-meta-description-field'),
      labelled('Keywords', this.keywords, this.keywordsCount, 'modal-meta-keywords-field'),
      this.categoryBox,
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
    this.buildCategories(image.category_sites || []);
    this.saved = this.values();
    const limits = image.limits || {};
    this.preset.textContent = `Limits of ${PRESET_LABELS[limits.preset] || limits.preset || 'the chosen site'}: title ${limits.title_max}, description ${limits.description_max}, ${limits.keywords_min}–${limits.keywords_max} keywords.`;
    this.showProblems(image.problems || []);
    this.refresh();
  }

  buildCategories(sites) {
    this.categorySelects = new Map(sites.map((site) => [site.site, categorySelects(site)]));
    this.categoryBox.replaceChildren(...sites.map((site) => h('div', { class: 'meta-field' },
      h('span', { class: 'meta-label-row', text: site.max > 1 ? `${site.label} categories (up to ${site.max})` : `${site.label} category` }),
      h('div', { class: 'meta-category-row' }, this.categorySelects.get(site.site)))));
    for (const selects of this.categorySelects.values()) selects.forEach((s) => s.addEventListener('change', () => this.refresh()));
    this.categoryBox.hidden = sites.length === 0;
  }

  values() {
    const categories = {};
    for (const [site, selects] of this.categorySelects) {
      categories[site] = [...new Set(selects.map((s) => s.value).filter(Boolean))];
    }
    return { title: this.title.value, description: this.description.value, keywords: parseKeywords(this.keywords.value), categories };
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

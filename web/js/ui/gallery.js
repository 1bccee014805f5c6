/**
 * Shared image gallery: grid or list view of image cards, selection that survives paging, in-place updates
 * (upsert/remove without re-rendering the page) and a pager. Used by the Dashboard and Failed Images.
 *
 * const gallery = new Gallery({testid, onOpen(id, index, ids), onSelect(selected), empty: () => node});
 * gallery.setItems(items); gallery.upsert(image, {prepend}); gallery.remove(id); gallery.setView('list');
 * gallery.selected (a Set of ids); gallery.select(ids, on); gallery.clearSelection();
 * const pager = createPager({testid, onPage(page)}); pager.update({page, pages, total, page_size});
 */

import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { icon } from '../icons.js';
import { imageBadge } from './badges.js';

/** Return the title a user recognises an image by. */
export function imageTitle(image) {
  return (image.metadata && image.metadata.title) || image.keyword || `Image ${image.id}`;
}

/** Return a thumbnail's alt text: the image's title, else its prompt, else its keyword. */
export function imageAlt(image) {
  return (image.metadata && image.metadata.title) || image.prompt || image.keyword || `Image ${image.id}`;
}

/** Return the badge of an image whose background removal soft-failed: it was approved with its background. */
function backgroundKeptBadge(image, testid) {
  const soft = ((image.processing && image.processing.soft_failures) || []).find((f) => f.stage === 'remove_bg');
  return h('span', {
    class: 'badge badge-warning', 'data-testid': `${testid}-background-kept-${image.id}`, text: 'Background kept',
    title: soft && soft.message ? `Background removal failed: ${soft.message}` : 'Background removal failed; the original background was kept.',
  });
}

/** Return the file name of the image's current file. */
export function fileName(image) {
  const path = image.final_path || image.temp_path || '';
  return path.split(/[\\/]/).pop() || '';
}

export class Gallery {
  /** Build an empty gallery; options: {testid, onOpen, onSelect, empty, selectable}. */
  constructor({ testid = 'gallery', onOpen = () => {}, onSelect = () => {}, empty = null, selectable = true } = {}) {
    this.testid = testid;
    this.onOpen = onOpen;
    this.onSelect = onSelect;
    this.empty = empty;
    this.selectable = selectable;
    this.selected = new Set();
    this.cards = new Map(); // id -> {el, image}
    this.list = h('div', { class: 'gallery-items', role: 'list', 'data-testid': `${testid}-items` });
    this.emptyBox = h('div', { class: 'gallery-empty', hidden: true });
    this.element = h('div', { class: 'gallery is-grid', 'data-testid': testid, 'data-view': 'grid' }, this.list, this.emptyBox);
  }

  /** Switch between "grid" and "list" without rebuilding the cards. */
  setView(view) {
    this.element.classList.toggle('is-grid', view !== 'list');
    this.element.classList.toggle('is-list', view === 'list');
    this.element.dataset.view = view === 'list' ? 'list' : 'grid';
  }

  /** Replace the shown page with `items` (cards of unchanged images are reused). */
  setItems(items) {
    const keep = new Map();
    const nodes = items.map((image) => {
      const known = this.cards.get(image.id);
      const card = known ? this.refresh(known, image) : this.build(image);
      keep.set(image.id, card);
      return card.el;
    });
    this.cards = keep;
    this.list.replaceChildren(...nodes);
    this.syncEmpty();
  }

  /** Update a shown image in place, or insert it (at the top with prepend); return true if shown. */
  upsert(image, { prepend = false, limit = Infinity } = {}) {
    const known = this.cards.get(image.id);
    if (known) {
      this.refresh(known, image);
      return true;
    }
    if (!prepend) return false;
    const card = this.build(image);
    this.cards.set(image.id, card);
    this.list.prepend(card.el);
    while (this.cards.size > limit) this.remove(Number(this.list.lastElementChild.dataset.id));
    this.syncEmpty();
    return true;
  }

  /** Remove an image's card (selection kept only for images still shown elsewhere). */
  remove(id) {
    const card = this.cards.get(id);
    if (card) card.el.remove();
    this.cards.delete(id);
    this.syncEmpty();
  }

  /** Return the shown ids in display order. */
  ids() {
    return [...this.list.children].map((el) => Number(el.dataset.id));
  }

  /** Return the shown image with this id, if any. */
  image(id) {
    return this.cards.get(id)?.image || null;
  }

  /** Add (on=true) or remove ids from the selection. */
  select(ids, on = true) {
    for (const id of ids) {
      if (on) this.selected.add(id);
      else this.selected.delete(id);
      const card = this.cards.get(id);
      if (card) this.paintSelected(card);
    }
    this.onSelect(this.selected);
  }

  /** Empty the selection. */
  clearSelection() {
    this.select([...this.selected], false);
  }

  /** Show a busy overlay while a page loads (keeps the old cards, so nothing jumps). */
  setBusy(isBusy) {
    this.element.setAttribute('aria-busy', String(Boolean(isBusy)));
  }

  syncEmpty() {
    const isEmpty = this.cards.size === 0;
    this.emptyBox.hidden = !isEmpty;
    this.list.hidden = isEmpty;
    if (isEmpty && this.empty && !this.emptyBox.firstChild) this.emptyBox.append(this.empty());
    if (!isEmpty) this.emptyBox.replaceChildren();
  }

  paintSelected(card) {
    const isOn = this.selected.has(card.image.id);
    card.el.classList.toggle('is-selected', isOn);
    if (card.check) card.check.checked = isOn;
  }

  build(image) {
    const id = image.id;
    const thumb = h('img', { class: 'gallery-thumb', alt: '', loading: 'lazy', decoding: 'async', draggable: 'false' });
    const check = this.selectable ? h('input', {
      type: 'checkbox', class: 'gallery-check', 'data-testid': `${this.testid}-check-${id}`,
      'aria-label': 'Select image', onClick: (e) => e.stopPropagation(),
      onChange: (e) => this.select([id], e.target.checked),
    }) : null;
    const title = h('div', { class: 'gallery-title', 'data-testid': `${this.testid}-title-${id}` });
    const sub = h('div', { class: 'gallery-sub' });
    const badgeSlot = h('div', { class: 'gallery-status' });
    const words = h('div', { class: 'gallery-words' });
    const el = h('div', {
      class: 'gallery-card', role: 'listitem', tabIndex: 0, 'data-id': id, 'data-testid': `${this.testid}-card`,
      onClick: () => this.open(id),
      onKeydown: (e) => this.cardKeys(e, id),
    },
    h('div', { class: 'gallery-frame' }, thumb, check ? h('label', { class: 'gallery-check-wrap' }, check) : null),
    h('div', { class: 'gallery-info' }, title, sub, words, badgeSlot));
    const card = { el, thumb, check, title, sub, badgeSlot, words, image: null };
    return this.refresh(card, image);
  }

  refresh(card, image) {
    const before = card.image;
    card.image = image;
    if (!before || before.thumb_url !== image.thumb_url) card.thumb.src = image.thumb_url;
    card.title.textContent = imageTitle(image);
    card.title.title = imageTitle(image);
    card.sub.textContent = [image.job_label || `Job ${image.execution_id}`, dateTime(image.created_at)].join(' · ');
    const keywords = (image.metadata && image.metadata.keywords) || [];
    card.words.textContent = keywords.length ? `${keywords.length} keywords · ${fileName(image)}` : fileName(image);
    if (!before || before.status !== image.status || before.reason_label !== image.reason_label
      || before.is_background_kept !== image.is_background_kept) {
      const badge = imageBadge(image);
      if (!image.is_approved && image.reason_label) badge.title = image.reason_label;
      card.badgeSlot.replaceChildren(badge, image.is_background_kept ? backgroundKeptBadge(image, this.testid) : '');
    }
    card.el.setAttribute('aria-label', imageTitle(image));
    card.thumb.alt = imageAlt(image);
    if (card.check) card.check.setAttribute('aria-label', `Select ${imageTitle(image)}`);
    this.paintSelected(card);
    return card;
  }

  open(id) {
    const ids = this.ids();
    this.onOpen(id, ids.indexOf(id), ids);
  }

  cardKeys(event, id) {
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      this.open(id);
    } else if (event.key === ' ' && this.selectable) {
      event.preventDefault();
      this.select([id], !this.selected.has(id));
    }
  }
}

/** Return a pager: {element, update({page, pages, total, page_size})}; onPage(page) on a click. */
export function createPager({ testid = 'pager', onPage }) {
  const info = h('span', { class: 'pager-info', 'data-testid': `${testid}-info` });
  const prev = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': `${testid}-prev`, 'aria-label': 'Previous page' },
    icon('chevron-left'), 'Prev');
  const next = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': `${testid}-next`, 'aria-label': 'Next page' },
    'Next', icon('chevron-right'));
  const state = { page: 1, pages: 1 };
  prev.addEventListener('click', () => { if (state.page > 1) onPage(state.page - 1); });
  next.addEventListener('click', () => { if (state.page < state.pages) onPage(state.page + 1); });
  const element = h('div', { class: 'pager', 'data-testid': testid }, info, h('div', { class: 'toolbar' }, prev, next));
  return {
    element,
    update({ page, pages, total, page_size: size }) {
      Object.assign(state, { page, pages });
      const first = total ? (page - 1) * size + 1 : 0;
      const last = Math.min(total, page * size);
      info.textContent = total ? `${first}–${last} of ${total} · page ${page} of ${pages}` : 'No images';
      prev.disabled = page <= 1;
      next.disabled = page >= pages;
    },
  };
}

/**
 * Zoom and pan over one image: wheel or ctrl+wheel (pinch) zooms around the pointer, drag pans,
 * double-click toggles fit / 100 %, and the +, − and Fit buttons. Fit never enlarges past 100 %.
 */

import { h } from '../dom.js';
import { icon } from '../icons.js';

const MIN_SCALE = 0.05;
const MAX_SCALE = 8;
const STEP = 1.25;

export class ImageViewer {
  /** Build the viewer; `testid` prefixes the hooks (default "modal"). */
  constructor({ testid = 'modal' } = {}) {
    this.state = { scale: 1, x: 0, y: 0, width: 0, height: 0, isFit: true };
    this.img = h('img', { class: 'viewer-img', alt: '', draggable: 'false', 'data-testid': `${testid}-image` });
    this.stage = h('div', { class: 'viewer-stage', 'data-testid': `${testid}-viewer` }, this.img);
    this.level = h('span', { class: 'viewer-level', 'data-testid': `${testid}-zoom-level`, 'aria-live': 'polite', text: '—' });
    const button = (name, label, testidSuffix, onClick) => h('button', {
      class: 'btn btn-ghost btn-icon btn-sm', type: 'button', title: label, 'aria-label': label,
      'data-testid': `${testid}-${testidSuffix}`, onClick,
    }, icon(name));
    this.controls = h('div', { class: 'viewer-controls' },
      button('zoom-out', 'Zoom out (−)', 'zoom-out', () => this.zoomBy(1 / STEP)),
      this.level,
      button('zoom-in', 'Zoom in (+)', 'zoom-in', () => this.zoomBy(STEP)),
      h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': `${testid}-zoom-fit`, title: 'Fit to window (0)', onClick: () => this.fit() },
        icon('fit'), 'Fit'));
    this.element = h('div', { class: 'viewer' }, this.stage, this.controls);
    this.img.addEventListener('load', () => this.loaded());
    this.stage.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    this.stage.addEventListener('dblclick', (e) => this.doubleClick(e));
    this.stage.addEventListener('pointerdown', (e) => this.dragStart(e));
    this.resizer = new ResizeObserver(() => { if (this.state.isFit) this.fit(); });
    this.resizer.observe(this.stage);
  }

  /** Show a new image (fit to the stage once loaded). */
  show(url, alt = '') {
    this.img.alt = alt;
    if (this.img.getAttribute('src') === url) return;
    this.stage.classList.add('is-loading');
    this.img.src = url;
  }

  /** Stop observing the stage (call when the modal closes). */
  destroy() {
    this.resizer.disconnect();
  }

  loaded() {
    this.stage.classList.remove('is-loading');
    this.state.width = this.img.naturalWidth;
    this.state.height = this.img.naturalHeight;
    this.fit();
  }

  fitScale() {
    const { width, height } = this.state;
    if (!width || !height) return 1;
    const rect = this.stage.getBoundingClientRect();
    return Math.min(rect.width / width, rect.height / height, 1);
  }

  /** Scale the image to fit the stage and centre it. */
  fit() {
    const scale = this.fitScale();
    const rect = this.stage.getBoundingClientRect();
    this.state.scale = scale;
    this.state.x = (rect.width - this.state.width * scale) / 2;
    this.state.y = (rect.height - this.state.height * scale) / 2;
    this.state.isFit = true;
    this.apply();
  }

  /** Zoom by `factor` around a stage point (default: its centre). */
  zoomBy(factor, px = null, py = null) {
    const rect = this.stage.getBoundingClientRect();
    const cx = px ?? rect.width / 2;
    const cy = py ?? rect.height / 2;
    const { scale } = this.state;
    const next = Math.min(MAX_SCALE, Math.max(Math.min(MIN_SCALE, this.fitScale()), scale * factor));
    this.state.x = cx - ((cx - this.state.x) * next) / scale;
    this.state.y = cy - ((cy - this.state.y) * next) / scale;
    this.state.scale = next;
    this.state.isFit = false;
    this.apply();
  }

  apply() {
    const { scale, x, y } = this.state;
    this.img.style.width = `${this.state.width}px`;
    this.img.style.height = `${this.state.height}px`;
    this.img.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    this.level.textContent = this.state.width ? `${Math.round(scale * 100)}%` : '—';
    this.stage.classList.toggle('is-zoomed', !this.state.isFit);
  }

  wheel(event) {
    event.preventDefault();
    const rect = this.stage.getBoundingClientRect();
    // Pinch gestures arrive as ctrl+wheel with small deltas: give them more weight.
    const speed = event.ctrlKey ? 0.01 : 0.0015;
    const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
    this.zoomBy(Math.exp(-delta * speed), event.clientX - rect.left, event.clientY - rect.top);
  }

  doubleClick(event) {
    const rect = this.stage.getBoundingClientRect();
    if (this.state.isFit) {
      const target = Math.max(1, this.state.scale * 2);
      this.zoomBy(target / this.state.scale, event.clientX - rect.left, event.clientY - rect.top);
    } else {
      this.fit();
    }
  }

  dragStart(event) {
    if (event.button !== 0) return;
    const start = { x: event.clientX, y: event.clientY, ox: this.state.x, oy: this.state.y };
    this.stage.setPointerCapture(event.pointerId);
    this.stage.classList.add('is-dragging');
    const move = (e) => {
      this.state.x = start.ox + e.clientX - start.x;
      this.state.y = start.oy + e.clientY - start.y;
      this.state.isFit = false;
      this.apply();
    };
    const end = () => {
      this.stage.classList.remove('is-dragging');
      this.stage.removeEventListener('pointermove', move);
      this.stage.removeEventListener('pointerup', end);
      this.stage.removeEventListener('pointercancel', end);
    };
    this.stage.addEventListener('pointermove', move);
    this.stage.addEventListener('pointerup', end);
    this.stage.addEventListener('pointercancel', end);
  }

  /** Handle +, − and 0 keys; return true when the key was used. */
  handleKey(key) {
    if (key === '+' || key === '=') this.zoomBy(STEP);
    else if (key === '-' || key === '_') this.zoomBy(1 / STEP);
    else if (key === '0') this.fit();
    else return false;
    return true;
  }
}

/**
 * Drag and drop never navigates the window away: every dragover and drop is stopped at the document.
 * A keyword file (.txt, .csv) dropped on a place marked data-drop="keywords" (the Dashboard, the Start dialog)
 * becomes the keyword file when the window reports where it lies (pywebview tells a Python drop handler, and
 * the page asks dropped_file_path); otherwise the user is pointed to the file picker. Drops elsewhere are
 * ignored. Setting it fires `gif:keyword-file` on window. Image files dropped on a place marked
 * data-drop-images (the Dashboard) fire `gif:import-images` with their paths, for the view to import them.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { navigate } from '../router.js';
import { toast, toastError } from './toast.js';

const KEYWORD_FILE = /\.(txt|csv)$/i;
const IMAGE_FILE = /\.(png|jpe?g|webp|tiff?|bmp|gif)$/i;

function zoneOf(event) {
  return event.target instanceof Element ? event.target.closest('[data-drop="keywords"]') : null;
}

async function useKeywordFile(path) {
  try {
    const { settings } = await call('get_settings');
    await call('save_settings', { ...settings, file_paths: { ...settings.file_paths, keywords_file: path } });
    toast(`Keyword file set: ${path}`, { kind: 'success' });
    window.dispatchEvent(new CustomEvent('gif:keyword-file', { detail: { path } }));
  } catch (err) {
    toastError(err, 'The keyword file was not set.');
  }
}

function pointToPicker(name) {
  const region = document.getElementById('toasts');
  region.querySelector('[data-testid="drop-use-picker"]')?.remove();
  const open = h('button', { class: 'btn btn-sm', type: 'button', text: 'Open the file picker', onClick: () => { note.remove(); navigate('/settings/file_paths'); } });
  const note = h('div', { class: 'toast toast-info', role: 'status', 'data-testid': 'drop-use-picker' },
    h('div', { class: 'toast-text', text: `“${name}” was dropped, but this window cannot read where it is. Use the file picker to choose the keyword file.` }),
    open,
    h('button', { class: 'btn btn-ghost btn-sm', type: 'button', text: 'Dismiss', onClick: () => note.remove() }));
  region.append(note);
}

async function takeKeywordFile(file) {
  let path = '';
  try {
    path = (await call('dropped_file_path', file.name)).path || '';
  } catch {
    path = ''; // asked in vain: the picker still works
  }
  if (path) useKeywordFile(path);
  else pointToPicker(file.name);
}

function imagesZoneOf(event) {
  return event.target instanceof Element ? event.target.closest('[data-drop-images]') : null;
}

async function takeImages(files) {
  const paths = [];
  for (const file of files) {
    try {
      const { path } = await call('dropped_file_path', file.name);
      if (path) paths.push(path);
    } catch {
      // asked in vain: counted below, the Add images button still works
    }
  }
  if (paths.length < files.length) {
    toast(`${files.length - paths.length} dropped file(s) could not be located: use Add images to pick them.`, { kind: 'error' });
  }
  if (paths.length) window.dispatchEvent(new CustomEvent('gif:import-images', { detail: { paths } }));
}

function onDrop(event) {
  event.preventDefault();
  const files = [...(event.dataTransfer?.files || [])];
  if (imagesZoneOf(event) && files.length && files.every((f) => IMAGE_FILE.test(f.name))) {
    takeImages(files);
    return;
  }
  if (!zoneOf(event)) return;
  const file = files[0];
  if (!file) return;
  if (!KEYWORD_FILE.test(file.name)) {
    toast(`“${file.name}” is not a keyword file: drop a .txt or .csv file.`, { kind: 'error' });
    return;
  }
  takeKeywordFile(file);
}

function onDragOver(event) {
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = zoneOf(event) || imagesZoneOf(event) ? 'copy' : 'none';
}

/** Stop drops from navigating the window (once, at boot). */
export function guardDrops() {
  document.addEventListener('dragover', onDragOver);
  document.addEventListener('drop', onDrop);
}

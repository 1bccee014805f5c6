/**
 * The platform's delete key. On a Mac keyboard the key marked "delete" sends Backspace (there is no
 * Delete key on a laptop), so there Backspace deletes too; never while the user types in a text field.
 */

const TEXT_FIELD = 'input:not([type="checkbox"]):not([type="radio"]):not([type="button"]):not([type="submit"]), '
  + 'textarea, select, [contenteditable]:not([contenteditable="false"])';

/** Return true on macOS (the newer userAgentData where the browser has it, else navigator.platform). */
export function isMac() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '';
  return /^mac/i.test(platform);
}

/** Return true when `target` is a field the user types in (Backspace there edits text). */
export function isTextField(target) {
  return target instanceof Element && target.closest(TEXT_FIELD) !== null;
}

/** Return true for a key press that asks to delete: Delete, or Backspace on macOS outside text fields. */
export function isDeleteKey(event) {
  if (event.key === 'Delete') return true;
  return event.key === 'Backspace' && isMac() && !isTextField(event.target);
}

/** Return the delete shortcut as aria-keyshortcuts names it on this platform. */
export function deleteShortcut() {
  return isMac() ? 'Delete Backspace' : 'Delete';
}

// An export button: the export routes need the key header, so the file is
// fetched as a blob and saved, and a problem (403 for a viewer key) is shown.

import { h } from '../dom.js';
import { download } from '../api.js';
import { showProblem, clearProblem } from '../problem.js';

export function exportButton(path, fallbackName, label, id) {
  const button = h('button', { type: 'button', id, class: 'button-secondary export-button' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    const original = button.textContent;
    button.textContent = 'Preparing…';
    clearProblem();
    try {
      await download(path, fallbackName);
    } catch (err) {
      showProblem(err);
    } finally {
      button.disabled = false;
      button.textContent = original;
    }
  });
  return button;
}

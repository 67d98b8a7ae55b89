// The key screen: paste an API key, kept in sessionStorage for this tab only.
// The key is tried on a cheap read before it is kept, so a typo shows at once.

import { h, replace } from '../dom.js';
import { setKey, forgetKey, getKey, request, ApiProblem } from '../api.js';
import { problemElement } from '../problem.js';
import { viewHeading } from '../ui.js';

function safeNext(query) {
  const next = query.get('next') || '/';
  // Only a route inside the console, never the key screen itself.
  return next.startsWith('/') && !next.startsWith('/key') ? next : '/';
}

export async function render(root, _params, query) {
  const input = h('input', {
    id: 'key-input', name: 'key', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, 'aria-describedby': 'key-help',
  });
  const save = h('button', { id: 'key-save', type: 'submit', class: 'button-primary' }, 'Save key');
  const feedback = h('div', { id: 'key-feedback', 'aria-live': 'polite' });
  const state = h('p', { id: 'key-current' }, getKey() ? 'A key is saved for this tab.' : 'No key is saved.');
  const wanted = safeNext(query);
  const reason = wanted !== '/' ? h('p', { class: 'note', id: 'key-reason' }, `Enter a key to open ${wanted}.`) : null;

  const form = h('form', { id: 'key-form', class: 'stack', novalidate: true },
    h('label', { for: 'key-input' }, 'API key'),
    input,
    h('p', { id: 'key-help', class: 'hint' },
      'Kept in this browser tab only (sessionStorage) and sent as "Authorization: Bearer <key>". ',
      'Closing the tab or "Forget key" removes it.'),
    h('div', { class: 'actions' }, save),
    feedback);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) {
      replace(feedback, problemElement({ title: 'No key entered', detail: 'Paste an API key first.' }));
      input.focus();
      return;
    }
    save.disabled = true;
    replace(feedback, h('p', null, 'Checking the key…'));
    setKey(value);
    try {
      await request('/api/fleet-risk/fleets?limit=1');
      input.value = '';
      location.hash = `#${safeNext(query)}`;
    } catch (err) {
      if (err instanceof ApiProblem && err.status === 401) forgetKey();
      replace(feedback, problemElement(err));
      state.textContent = getKey() ? 'A key is saved for this tab.' : 'No key is saved.';
    } finally {
      save.disabled = false;
    }
  });

  replace(root, viewHeading('API key', 'Every view reads the fleet-risk API with your key.'), reason, state, form);
}

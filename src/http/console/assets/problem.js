// Shows an API problem (RFC 9457) in the page's live region: its title and
// detail, every field error of a 422, and for a 401 the way back to the key.

import { h, replace } from './dom.js';

const region = () => document.getElementById('problem');

export function clearProblem() {
  const el = region();
  if (el) replace(el);
}

/** `text` as a sentence: a capital first letter and a closing stop (the API's details have neither). */
function sentence(text) {
  const trimmed = (text || '').trim();
  if (!trimmed) return '';
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** Renders the problem as an element (also used inline, e.g. under the assess form). */
export function problemElement(problem) {
  const status = problem.status || 0;
  const unauthorized = status === 401;
  const title = unauthorized ? 'API key missing or invalid' : (problem.title || 'Request failed');
  const detail = unauthorized
    ? `${sentence(problem.detail) || 'The server did not accept the API key.'} Enter a valid key to go on.`
    : (problem.detail || '');
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  return h('div', { class: 'problem', dataset: { status, code: problem.code || '' } },
    h('p', { class: 'problem-title' }, status ? `${title} (${status})` : title),
    detail ? h('p', { class: 'problem-detail' }, detail) : null,
    problem.retryAfter ? h('p', { class: 'problem-retry' }, `Try again in ${problem.retryAfter} s.`) : null,
    errors.length ? h('ul', { class: 'problem-errors' },
      errors.map((e) => h('li', { class: 'problem-error', dataset: { field: e.field } },
        h('code', null, e.field), ': ', e.message))) : null,
    unauthorized ? h('p', null, h('a', { id: 'problem-key-link', href: '#/key' }, 'Go to the key screen')) : null,
  );
}

export function showProblem(problem) {
  const el = region();
  if (!el) return;
  replace(el, problemElement(problem));
}

/** A problem-shaped object for errors found before any request (bad JSON in a text box). */
export function localProblem(title, detail) {
  return { status: 0, title, detail, errors: [] };
}

// Small pieces every view uses: level badges, definition lists of figures,
// tables, section headings, loading text.

import { h } from './dom.js';
import { levelName } from './format.js';

export function levelBadge(level) {
  return h('span', { class: ['level', `level-${level || 'none'}`], dataset: { level: level || 'none' } }, levelName(level));
}

/** A grid of labelled figures: [[label, value, hookClass?], ...]. */
export function figures(rows, className = 'figures') {
  return h('dl', { class: className },
    rows.filter(Boolean).map(([label, value, hook]) =>
      h('div', { class: ['figure', hook] }, h('dt', null, label), h('dd', null, value))));
}

/**
 * A table in a scroll container (wide tables scroll on a phone instead of
 * breaking the page). head: [label | Node, ...]; a label ending in "#" is
 * a numeric column (right-aligned), shown without the "#". rows: <tr>s.
 */
export function table(caption, head, rows, { className = '', empty = 'Nothing to show.' } = {}) {
  const body = rows.length ? rows : [h('tr', { class: 'empty-row' }, h('td', { colspan: head.length }, empty))];
  return h('div', { class: 'table-wrap' },
    h('table', { class: ['data', className] },
      caption ? h('caption', null, caption) : null,
      h('thead', null, h('tr', null, head.map(headCell))),
      h('tbody', null, body)));
}

function headCell(label) {
  if (label instanceof Node) return label;
  const numeric = label.length > 1 && label.endsWith('#');
  return h('th', { scope: 'col', class: numeric ? 'num' : null }, numeric ? label.slice(0, -1) : label);
}

export function cell(content, className) {
  return h('td', { class: className }, content);
}

export function numCell(content, className) {
  return h('td', { class: ['num', className] }, content);
}

export function section(title, id, ...children) {
  const headingId = `${id}-heading`;
  return h('section', { class: 'panel', id, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, title), ...children);
}

export function viewHeading(text, sub) {
  return h('header', { class: 'view-header' },
    h('h1', { tabindex: '-1' }, text),
    sub ? h('p', { class: 'view-sub' }, sub) : null);
}

export function note(text, className = 'note') {
  return h('p', { class: className }, text);
}

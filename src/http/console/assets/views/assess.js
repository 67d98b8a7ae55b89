// What-if assessment: paste or upload vessels as JSON (one vessel, an array
// of vessels, or a whole {asOf, vessels} body) and see each assessment.
// POST /api/fleet-risk/assess stores nothing.

import { h, replace } from '../dom.js';
import { request } from '../api.js';
import * as fmt from '../format.js';
import { levelBadge, table, cell, numCell, viewHeading } from '../ui.js';
import { problemElement, localProblem } from '../problem.js';
import { markLoading, markLoaded } from '../loading.js';
import { assessmentBlocks } from './assessment.js';

const EXAMPLE = {
  vesselIMO: '9074729',
  name: 'EXAMPLE TRADER',
  shipType: 'bulk_carrier',
  yearBuilt: 2003,
  grossTonnage: 38000,
  flag: 'PA',
  classSociety: 'NK',
  companyPerformance: 'medium',
  insuredValueUsd: 14500000,
  insurancePolicyId: null,
  sanctioned: false,
  bannedListed: false,
  daysInListedAreas12m: 12,
  aisGaps12m: 1,
  flagChanges36m: 0,
  inspections: [
    { date: '2025-09-14', regime: 'paris_mou', deficiencies: 4, detained: false },
    { date: '2024-02-02', regime: 'tokyo_mou', deficiencies: 9, detained: true },
  ],
  incidents: [
    { date: '2024-11-20', severity: 'C', kind: 'machinery', grossLossUsd: 240000 },
  ],
};

/** The request body from what the user gave; throws a message for people. */
export function toBody(text, asOf) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw localProblem('Not valid JSON', `The text could not be read as JSON: ${err.message}`);
  }
  let body;
  if (Array.isArray(parsed)) body = { vessels: parsed };
  else if (parsed && typeof parsed === 'object' && Array.isArray(parsed.vessels)) body = { ...parsed };
  else if (parsed && typeof parsed === 'object') body = { vessels: [parsed] };
  else throw localProblem('Not a vessel', 'Give one vessel object, an array of vessels, or {"asOf", "vessels": [...]}.');
  if (asOf) body.asOf = asOf;
  return body;
}

// A hash link would be taken by the router, so in-page jumps are buttons.
function jumpButton(i, label) {
  const button = h('button', { type: 'button', class: 'link-button', dataset: { target: `assessment-${i}` } }, label);
  button.addEventListener('click', () => {
    const target = document.getElementById(`assessment-${i}`);
    if (target) { target.scrollIntoView(); target.querySelector('h2')?.focus(); }
  });
  return button;
}

function overview(assessments, vessels) {
  const rows = assessments.map((a, i) => h('tr', { class: 'assessment-row', dataset: { imo: a.vesselIMO, index: i } },
    cell(jumpButton(i, vessels[i]?.name || a.vesselIMO)),
    cell(a.vesselIMO, 'imo'), numCell(fmt.score(a.score)), cell(levelBadge(a.level)), cell(a.srp.profile),
    numCell(fmt.usd(a.expectedAnnualLossUsd))));
  return table(null, ['Vessel', 'IMO', 'Score#', 'Level', 'SRP', 'Expected annual loss#'], rows, { className: 'assessment-table' });
}

function results(response, body) {
  const list = response.assessments;
  const blocks = list.map((a, i) => h('article', { class: 'assessment panel', id: `assessment-${i}`, dataset: { imo: a.vesselIMO, index: i } },
    h('h2', { tabindex: '-1' }, `${body.vessels[i]?.name || 'Vessel'} (IMO ${a.vesselIMO})`),
    assessmentBlocks(a, 'h3')));
  return [list.length > 1 ? h('section', { class: 'panel' }, h('h2', null, `${list.length} assessments`), overview(list, body.vessels)) : null, blocks];
}

export async function render(root) {
  const textarea = h('textarea', { id: 'assess-input', name: 'vessels', rows: 16, spellcheck: 'false', 'aria-describedby': 'assess-help' });
  const file = h('input', { id: 'assess-file', type: 'file', accept: 'application/json,.json' });
  const asOf = h('input', { id: 'assess-as-of', type: 'date', name: 'asOf' });
  const submit = h('button', { id: 'assess-submit', type: 'submit', class: 'button-primary' }, 'Assess');
  const example = h('button', { id: 'assess-example', type: 'button', class: 'button-secondary' }, 'Insert an example');
  const out = h('div', { id: 'assess-results', 'aria-live': 'polite' });

  example.addEventListener('click', () => { textarea.value = JSON.stringify(EXAMPLE, null, 2); textarea.focus(); });
  file.addEventListener('change', async () => {
    const chosen = file.files && file.files[0];
    if (chosen) textarea.value = await chosen.text();
  });

  const form = h('form', { id: 'assess-form', class: 'stack panel', novalidate: true },
    h('label', { for: 'assess-input' }, 'Vessels as JSON'),
    h('p', { id: 'assess-help', class: 'hint' },
      'One vessel (risk-model.md section 1 fields), an array of up to 1,000, or {"asOf": "YYYY-MM-DD", "vessels": [...]}. Nothing is stored.'),
    textarea,
    h('div', { class: 'form-row' },
      h('div', { class: 'control' }, h('label', { for: 'assess-file' }, 'Or load a JSON file'), file),
      h('div', { class: 'control' }, h('label', { for: 'assess-as-of' }, 'As of (optional, default today UTC)'), asOf)),
    h('div', { class: 'actions' }, submit, example));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    markLoading();
    submit.disabled = true;
    try {
      const body = toBody(textarea.value, asOf.value);
      replace(out, h('p', { class: 'loading' }, 'Assessing…'));
      const response = await request('/api/fleet-risk/assess', { method: 'POST', body });
      replace(out, results(response, body));
      markLoaded('ok', out);
    } catch (err) {
      replace(out, problemElement(err));
      markLoaded('error', out);
    } finally {
      submit.disabled = false;
    }
  });

  replace(root, viewHeading('Assess a vessel', 'See what the model says about a ship before it is on the book.'), form, out);
}

// One fleet: its aggregate (risk-model.md section 8) and its vessels, sorted
// by score or name, filtered by level, paged with the API's opaque cursor.
// Sort and filter live in the hash (#/fleets/{id}?sort=-score&level=high),
// so they survive a reload; the cursor trail lives here, for "Previous".

import { h, replace } from '../dom.js';
import { request, requestOrNull, withQuery } from '../api.js';
import * as fmt from '../format.js';
import { levelMix, srpMix } from '../charts.js';
import { levelBadge, figures, table, cell, numCell, section, viewHeading, note } from '../ui.js';
import { showProblem, clearProblem } from '../problem.js';
import { markLoading, markLoaded } from '../loading.js';
import { exportButton } from './export.js';
import { simulationPanel } from './simulation.js';

const DEFAULT_PAGE_SIZE = 25;
const SORTS = ['-score', 'score', 'name'];

function aggregate(risk, thresholds) {
  if (!risk) return note('This fleet has no published score yet; it is scored by the next run.', 'note fleet-unscored');
  return h('div', { class: 'fleet-aggregate' },
    figures([
      ['Score', h('span', null, h('strong', { id: 'fleet-score' }, fmt.score(risk.score)), ' ', levelBadge(risk.level)), 'fig-score'],
      ['Highest vessel score', fmt.score(risk.maxScore)],
      ['Vessels aggregated', fmt.count(risk.vesselCount)],
      ['Total insured value', fmt.usd(risk.totalInsuredValueUsd)],
      ['Expected annual loss', h('span', { id: 'fleet-eal' }, fmt.usd(risk.expectedAnnualLossUsd)), 'fig-eal'],
      ['Expected claims a year', h('span', { id: 'fleet-claims' }, fmt.decimal2(risk.expectedClaims)), 'fig-claims'],
      ['High-risk value share', fmt.percent(risk.highRiskValueShare)],
      ['Largest tanker exposure', fmt.usd(risk.largestTankerExposureUsd)],
      thresholds ? ['Thresholds (medium / high / critical)',
        `${fmt.score(thresholds.medium)} / ${fmt.score(thresholds.high)} / ${fmt.score(thresholds.critical)} (${thresholds.source})`] : null,
      ['Published', fmt.dateTime(risk.calculatedAt)],
    ]),
    h('div', { class: 'grid-2' },
      h('div', null, h('h3', null, 'Levels'), levelMix(risk.levelCounts)),
      h('div', null, h('h3', null, 'Paris MoU ship risk profile'), srpMix(risk.srpCounts))),
    h('h3', null, 'Top drivers'),
    risk.topDrivers.length
      ? h('ol', { class: 'top-drivers' }, risk.topDrivers.map((d) =>
        h('li', { class: 'top-driver', dataset: { factor: d.key, meanContribution: d.meanContribution } },
          h('span', null, fmt.factorName(d.key)), ' ',
          h('strong', null, fmt.score(d.meanContribution)), ' points (value-weighted mean)')))
      : note('No drivers: the fleet is empty.'));
}

function vesselRows(items) {
  return items.map((v) => h('tr', { class: 'vessel-row', dataset: { imo: v.vesselIMO, level: v.level || 'none', score: v.score ?? '' } },
    cell(h('a', { href: `#/vessels/${v.vesselIMO}`, class: 'vessel-link' }, v.name), 'vessel-name'),
    cell(v.vesselIMO, 'imo'),
    cell(fmt.words(v.shipType)),
    cell(v.flag),
    numCell(String(v.yearBuilt)),
    numCell(fmt.usd(v.insuredValueUsd)),
    numCell(fmt.score(v.score), 'vessel-score'),
    cell(levelBadge(v.level))));
}

function sortHeader(label, field, current) {
  // Score toggles between highest first and lowest first; name is A to Z.
  const active = field === 'score' ? current.endsWith('score') : current === 'name';
  const next = field === 'score' ? (current === '-score' ? 'score' : '-score') : 'name';
  const ariaSort = !active ? 'none' : current === 'score' || current === 'name' ? 'ascending' : 'descending';
  return h('th', { scope: 'col', 'aria-sort': ariaSort, class: ['sortable', field === 'score' ? 'num' : ''] },
    h('button', { type: 'button', class: 'sort-button', dataset: { sort: next }, id: `sort-${field}` },
      label, h('span', { 'aria-hidden': 'true' }, active ? (ariaSort === 'ascending' ? ' \u25B2' : ' \u25BC') : ' \u21C5')));
}

// The page size rides along in the hash only when it is not the default.
let hashLimit = null;

function hashFor(fleetId, sort, levels) {
  return `#${withQuery(`/fleets/${encodeURIComponent(fleetId)}`, { sort, level: levels.join(','), limit: hashLimit })}`;
}

function vesselList(fleetId, sort, levels, pageSize) {
  const trail = [''];  // cursors of the pages shown so far; the last is the current page
  const body = h('div', { id: 'vessel-list' });

  const controls = h('form', { class: 'list-controls', id: 'vessel-controls' },
    h('div', { class: 'control' },
      h('label', { for: 'vessel-sort' }, 'Sort'),
      h('select', { id: 'vessel-sort', name: 'sort' },
        h('option', { value: '-score', selected: sort === '-score' }, 'Score, highest first'),
        h('option', { value: 'score', selected: sort === 'score' }, 'Score, lowest first'),
        h('option', { value: 'name', selected: sort === 'name' }, 'Name'))),
    h('fieldset', { class: 'level-filter', id: 'level-filter' },
      h('legend', null, 'Levels'),
      fmt.LEVELS.map((l) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'level', value: l, id: `level-${l}`, checked: levels.includes(l) }), ` ${fmt.levelName(l)}`))));
  controls.addEventListener('change', () => {
    const chosen = [...controls.querySelectorAll('input[name=level]:checked')].map((i) => i.value);
    location.hash = hashFor(fleetId, controls.querySelector('#vessel-sort').value, chosen);
  });
  controls.addEventListener('submit', (e) => e.preventDefault());

  async function load(cursor) {
    const page = await request(withQuery(`/api/fleet-risk/fleets/${encodeURIComponent(fleetId)}/vessels`,
      { limit: pageSize, sort, level: levels.join(','), cursor }));
    const prev = h('button', { type: 'button', id: 'vessels-prev', class: 'button-secondary', disabled: trail.length < 2 }, 'Previous page');
    const next = h('button', { type: 'button', id: 'vessels-next', class: 'button-secondary', disabled: !page.nextCursor, dataset: { cursor: page.nextCursor || '' } }, 'Next page');
    prev.addEventListener('click', () => { trail.pop(); reload(trail[trail.length - 1]); });
    next.addEventListener('click', () => { trail.push(page.nextCursor); reload(page.nextCursor); });
    const head = [sortHeader('Vessel', 'name', sort), 'IMO', 'Type', 'Flag', 'Built#', 'Insured value#', sortHeader('Score', 'score', sort), 'Level'];
    replace(body,
      table(null, head, vesselRows(page.items), {
        className: 'vessel-table',
        empty: levels.length ? 'No vessel at the chosen levels.' : 'No vessels in this fleet.',
      }),
      h('div', { class: 'pager' },
        prev, h('span', { class: 'page-number', id: 'vessels-page', tabindex: '-1' }, `Page ${trail.length}`), next));
    for (const button of body.querySelectorAll('.sort-button')) {
      button.addEventListener('click', () => { location.hash = hashFor(fleetId, button.dataset.sort, levels); });
    }
  }

  async function reload(cursor) {
    markLoading();
    clearProblem();
    try {
      await load(cursor);
      markLoaded('ok', body);
      document.getElementById('vessels-page')?.focus();
    } catch (err) {
      showProblem(err);
      markLoaded('error', body);
    }
  }

  return { element: h('div', null, controls, body), load };
}

export async function render(root, { fleetId }, query) {
  const sort = SORTS.includes(query.get('sort')) ? query.get('sort') : '-score';
  const levels = (query.get('level') || '').split(',').filter((l) => fmt.LEVELS.includes(l));
  const limit = Number(query.get('limit'));
  hashLimit = Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : null;
  const id = encodeURIComponent(fleetId);

  const list = vesselList(fleetId, sort, levels, hashLimit || DEFAULT_PAGE_SIZE);
  const [fleet, risk, thresholds] = await Promise.all([
    request(`/api/fleet-risk/fleets/${id}`),
    requestOrNull(`/api/fleet-risk/fleets/${id}/risk`),
    requestOrNull(`/api/fleet-risk/fleets/${id}/thresholds`),
    list.load(''),
  ]);

  replace(root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Dashboard'), ' / ', fleet.name),
    viewHeading(fleet.name, fleet.description || `${fmt.count(fleet.vesselCount)} vessels`),
    h('div', { class: 'toolbar' },
      exportButton(`/api/fleet-risk/fleets/${id}/export?format=xlsx`, 'fleet-risk-fleet.xlsx', 'Export to Excel', 'export-xlsx'),
      exportButton(`/api/fleet-risk/fleets/${id}/export?format=csv`, 'fleet-risk-fleet.csv', 'Export CSV', 'export-csv')),
    section('Fleet risk', 'fleet-risk', aggregate(risk, thresholds)),
    section('Vessels', 'vessels', list.element),
    section('Loss simulation', 'simulation', simulationPanel(fleetId)));
}

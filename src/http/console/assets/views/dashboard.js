// Dashboard: every fleet with score, level and change since the previous
// book-wide run; the level mix; the ten riskiest vessels; data freshness;
// the last runs. GET /api/fleet-risk/dashboard and GET /api/fleet-risk/runs.

import { h, replace } from '../dom.js';
import { request, ApiProblem } from '../api.js';
import { showProblem } from '../problem.js';
import * as fmt from '../format.js';
import { levelMix } from '../charts.js';
import { levelBadge, figures, table, cell, numCell, section, viewHeading } from '../ui.js';
import { exportButton } from './export.js';

function changeCell(fleet) {
  const c = fleet.change;
  const direction = typeof c !== 'number' ? 'none' : Math.round(c * 10) === 0 ? 'flat' : c > 0 ? 'up' : 'down';
  const label = direction === 'none' ? 'no previous run'
    : direction === 'flat' ? 'unchanged' : direction === 'up' ? 'risk up' : 'risk down';
  const arrow = { up: '\u25B2 ', down: '\u25BC ', flat: '', none: '' }[direction];
  return numCell(h('span', { class: ['change', `change-${direction}`], title: label },
    arrow, fmt.change(c), h('span', { class: 'visually-hidden' }, ` (${label})`)), 'fleet-change');
}

function fleetRows(fleets) {
  return fleets.map((f) => h('tr', { class: 'fleet-row', dataset: { fleetId: f.id, level: f.level || 'none' } },
    cell(h('a', { href: `#/fleets/${encodeURIComponent(f.id)}`, class: 'fleet-link' }, f.name), 'fleet-name'),
    numCell(fmt.count(f.vesselCount)),
    numCell(fmt.score(f.score), 'fleet-score'),
    cell(levelBadge(f.level)),
    changeCell(f),
    numCell(fmt.score(f.previousScore)),
    cell(fmt.date(f.calculatedAt))));
}

function topRiskRows(risks) {
  return risks.map((r, i) => h('tr', { class: 'top-risk-row', dataset: { imo: r.vesselIMO, level: r.level } },
    numCell(String(i + 1)),
    cell(h('a', { href: `#/vessels/${r.vesselIMO}`, class: 'vessel-link' }, r.name)),
    cell(r.vesselIMO, 'imo'),
    cell(h('a', { href: `#/fleets/${encodeURIComponent(r.fleetId)}` }, r.fleetName)),
    numCell(fmt.score(r.score), 'top-risk-score'),
    cell(levelBadge(r.level))));
}

function runRows(runs) {
  return runs.map((r) => h('tr', { class: 'run-row', dataset: { runId: r.id, status: r.status, trigger: r.trigger } },
    cell(fmt.dateTime(r.startedAt)),
    cell(fmt.words(r.trigger)),
    cell(h('span', { class: ['run-status', `run-${r.status}`] }, r.status)),
    cell(r.asOf),
    numCell(fmt.count(r.vesselsScored)),
    numCell(fmt.count(r.vesselsFailed), r.vesselsFailed ? 'warn' : ''),
    numCell(fmt.durationMs(r.durationMs)),
    cell(r.error || '', 'run-error')));
}

function freshness(fr) {
  return figures([
    ['Scores in force published', h('span', null, fmt.dateTime(fr.lastPublishedAt), ' ',
      h('span', { class: 'age' }, fr.lastPublishedAt ? `(${fmt.age(fr.lastPublishedAt)})` : '(no book-wide run yet)')), 'freshness-published'],
    ['Last book-wide run finished', fmt.dateTime(fr.lastRunFinishedAt), 'freshness-run'],
    ['Last change to vessel data', h('span', null, fmt.dateTime(fr.lastDataChangeAt), ' ',
      h('span', { class: 'age' }, fr.lastDataChangeAt ? `(${fmt.age(fr.lastDataChangeAt)})` : '')), 'freshness-data'],
  ], 'figures freshness');
}

// A viewer outside the fleetRiskDashboard rollout is refused the dashboard
// (403 feature_disabled) but may still read the fleet list: show that.
async function fallback(root, problem) {
  const page = await request('/api/fleet-risk/fleets?sort=-score&limit=500');
  const rows = page.items.map((f) => h('tr', { class: 'fleet-row', dataset: { fleetId: f.id, level: f.level || 'none' } },
    cell(h('a', { href: `#/fleets/${encodeURIComponent(f.id)}`, class: 'fleet-link' }, f.name), 'fleet-name'),
    numCell(fmt.count(f.vesselCount)),
    numCell(fmt.score(f.score), 'fleet-score'),
    cell(levelBadge(f.level)),
    cell(fmt.date(f.calculatedAt))));
  replace(root,
    viewHeading('Fleets', 'The dashboard is not enabled for this key; the fleets, riskiest first.'),
    section('Fleets', 'fleets',
      table(null, ['Fleet', 'Vessels#', 'Score#', 'Level', 'Published'], rows, { className: 'fleet-table', empty: 'No fleets on the book yet.' })));
  showProblem(problem);
}

export async function render(root) {
  let dash;
  let runs;
  try {
    [dash, runs] = await Promise.all([
      request('/api/fleet-risk/dashboard'),
      request('/api/fleet-risk/runs?limit=5'),
    ]);
  } catch (err) {
    if (err instanceof ApiProblem && err.code === 'feature_disabled') return fallback(root, err);
    throw err;
  }
  const scored = fmt.LEVELS.reduce((n, l) => n + (dash.levelCounts[l] || 0), 0);
  const stale = dash.freshness.lastDataChangeAt && dash.freshness.lastPublishedAt
    && fmt.parseTime(dash.freshness.lastDataChangeAt) > fmt.parseTime(dash.freshness.lastPublishedAt);

  replace(root,
    viewHeading('Dashboard', `${fmt.count(dash.fleets.length)} fleets, ${fmt.count(scored)} scored vessels`),
    h('div', { class: 'toolbar' }, exportButton('/api/fleet-risk/export?format=xlsx', 'fleet-risk-book.xlsx', 'Export book (Excel)', 'export-book-xlsx')),
    h('div', { class: 'grid-2' },
      section('Data freshness', 'freshness',
        freshness(dash.freshness),
        stale ? h('p', { class: 'note warn' }, 'Vessel data changed after the last book-wide run; edited vessels were re-scored, the rest wait for the next run.') : null),
      section('Level mix', 'level-mix',
        levelMix(dash.levelCounts, dash.unscoredVessels ? [{ key: 'unscored', label: 'Not scored', count: dash.unscoredVessels }] : []))),
    section('Fleets', 'fleets',
      table(null, ['Fleet', 'Vessels#', 'Score#', 'Level', 'Change#', 'Previous#', 'Published'], fleetRows(dash.fleets),
        { className: 'fleet-table', empty: 'No fleets on the book yet.' })),
    section('Top 10 riskiest vessels', 'top-risks',
      table(null, ['Rank', 'Vessel', 'IMO', 'Fleet', 'Score#', 'Level'], topRiskRows(dash.topRisks),
        { className: 'top-risk-table', empty: 'No scored vessels yet.' })),
    section('Last runs', 'runs',
      table(null, ['Started', 'Trigger', 'Status', 'As of', 'Scored#', 'Failed#', 'Duration#', 'Error'], runRows(runs.items),
        { className: 'run-table', empty: 'No runs yet.' })));
}


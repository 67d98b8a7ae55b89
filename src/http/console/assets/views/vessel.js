// One vessel: its published assessment (factor bars, floors, SRP), its score
// history across runs, its particulars and its inspections and incidents.

import { h, replace } from '../dom.js';
import { request, requestOrNull } from '../api.js';
import * as fmt from '../format.js';
import { historyLine, factorBars } from '../charts.js';
import { levelBadge, figures, table, cell, numCell, section, viewHeading, note } from '../ui.js';
import { summary, floors, srp } from './assessment.js';

function particulars(v) {
  return figures([
    ['IMO number', v.vesselIMO],
    ['Ship type', fmt.words(v.shipType)],
    ['Built', String(v.yearBuilt)],
    ['Gross tonnage', fmt.count(v.grossTonnage)],
    ['Flag', v.flag],
    ['Class society', v.classSociety || 'unclassed'],
    ['Company performance', fmt.words(v.companyPerformance)],
    ['Insured value', fmt.usd(v.insuredValueUsd)],
    ['Policy', v.insurancePolicyId || '\u2014'],
    ['Sanctioned', fmt.yesNo(v.sanctioned)],
    ['On a banned list', fmt.yesNo(v.bannedListed)],
    ['Days in listed areas (12 months)', fmt.count(v.daysInListedAreas12m)],
    ['AIS gaps over 24 h (12 months)', fmt.count(v.aisGaps12m)],
    ['Flag changes (36 months)', fmt.count(v.flagChanges36m)],
  ], 'figures particulars');
}

function inspections(list) {
  const rows = [...list].reverse().map((i) => h('tr', { class: 'inspection-row', dataset: { id: i.id, detained: i.detained } },
    cell(fmt.date(i.date)), cell(fmt.words(i.regime)), numCell(fmt.count(i.deficiencies)),
    cell(i.detained ? h('strong', { class: 'warn' }, 'detained') : 'no')));
  return table(null, ['Date', 'Regime', 'Deficiencies#', 'Detained'], rows, { className: 'inspection-table', empty: 'No inspections on record.' });
}

function incidents(list) {
  const rows = [...list].reverse().map((i) => h('tr', { class: 'incident-row', dataset: { id: i.id, severity: i.severity } },
    cell(fmt.date(i.date)), cell(i.severity), cell(fmt.words(i.kind)), numCell(fmt.usd(i.grossLossUsd))));
  return table(null, ['Date', 'Severity', 'Kind', 'Gross loss#'], rows, { className: 'incident-table', empty: 'No incidents on record.' });
}

function historyTable(items) {
  const rows = items.map((e) => h('tr', { class: 'history-row', dataset: { runId: e.runId } },
    cell(fmt.dateTime(e.calculatedAt)), cell(fmt.date(e.asOf)), numCell(fmt.score(e.score)), numCell(fmt.score(e.scorecard)),
    cell(levelBadge(e.level)), cell(e.srpProfile), numCell(fmt.usd(e.expectedAnnualLossUsd)), cell(e.modelVersion)));
  return table(null, ['Published', 'As of', 'Score#', 'Scorecard#', 'Level', 'SRP', 'Expected annual loss#', 'Model'], rows,
    { className: 'history-table', empty: 'No published scores yet.' });
}

function history(page, thresholds) {
  if (!page.items.length) return note('No published score yet.');
  return [
    h('figure', { class: 'history-figure' }, historyLine(page.items, thresholds),
      h('figcaption', { class: 'hint' }, `${page.items.length} runs, oldest on the left; levels as cut when scored.`,
        page.nextCursor ? ' Older runs are not shown.' : '')),
    h('details', { class: 'history-details' }, h('summary', null, 'History as a table'), historyTable(page.items)),
  ];
}

export async function render(root, { imo }) {
  const id = encodeURIComponent(imo);
  const [vessel, risk, historyPage] = await Promise.all([
    request(`/api/fleet-risk/vessels/${id}`),
    requestOrNull(`/api/fleet-risk/vessels/${id}/risk`),
    request(`/api/fleet-risk/vessels/${id}/risk/history?limit=500`),
  ]);
  const fleetId = encodeURIComponent(vessel.fleetId);
  const [fleet, thresholds] = await Promise.all([
    requestOrNull(`/api/fleet-risk/fleets/${fleetId}`),
    requestOrNull(`/api/fleet-risk/fleets/${fleetId}/thresholds`),
  ]);

  const assessment = risk
    ? [
      section('Assessment', 'assessment',
        summary(risk),
        h('p', { class: 'hint' }, `Published ${fmt.dateTime(risk.calculatedAt)} by run `, h('code', null, risk.runId), '.')),
      section('Factor contributions', 'factors',
        h('p', { class: 'hint' }, 'Points each factor adds to the scorecard, out of its weight (the faint track).'),
        factorBars(risk.factors)),
      h('div', { class: 'grid-2' },
        section('Hard rules (floors)', 'floors', floors(risk)),
        section('Paris MoU ship risk profile', 'srp', srp(risk))),
    ]
    : [section('Assessment', 'assessment', note('This vessel has no published score yet; it is scored by the next run.', 'note vessel-unscored'))];

  replace(root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Dashboard'), ' / ',
      h('a', { href: `#/fleets/${fleetId}`, class: 'fleet-link' }, fleet ? fleet.name : 'Fleet'), ' / ', vessel.name),
    viewHeading(vessel.name, h('span', null, `IMO ${vessel.vesselIMO} · ${fmt.words(vessel.shipType)} · built ${vessel.yearBuilt} `,
      risk ? levelBadge(risk.level) : null)),
    assessment,
    section('Score history', 'history', history(historyPage, thresholds)),
    section('Particulars', 'particulars', particulars(vessel)),
    h('div', { class: 'grid-2' },
      section('Inspections', 'inspections', inspections(vessel.inspections)),
      section('Incidents', 'incidents', incidents(vessel.incidents))));
}

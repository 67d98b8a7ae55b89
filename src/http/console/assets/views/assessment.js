// One assessment (risk-model.md section 10), as the vessel view and the
// assess view both show it: score and level, floors that fired, the eleven
// factor contributions with their reasons, the SRP and its inspection window.

import { h } from '../dom.js';
import * as fmt from '../format.js';
import { factorBars } from '../charts.js';
import { levelBadge, figures, note } from '../ui.js';

export function summary(a) {
  return figures([
    ['Score', h('span', null, h('strong', { class: 'assessment-score' }, fmt.score(a.score)), ' ', levelBadge(a.level)), 'fig-score'],
    ['Scorecard (before floors)', fmt.score(a.scorecard)],
    ['Expected annual loss', h('span', { class: 'assessment-eal' }, fmt.usd(a.expectedAnnualLossUsd))],
    ['Expected claims a year', fmt.decimal2(a.expectedClaims)],
    ['As of', fmt.date(a.asOf)],
    ['Model', a.modelVersion],
  ]);
}

export function floors(a) {
  if (!a.floors.length) return note('No hard rule fired: the score is the scorecard.', 'note floors-none');
  return h('ul', { class: 'floors' }, a.floors.map((f) =>
    h('li', { class: 'floor-item', dataset: { rule: f.rule, floor: f.floor } },
      h('strong', null, fmt.floorName(f.rule)), `: the score is at least ${fmt.score(f.floor)}`)));
}

export function srp(a) {
  const w = a.srp.nextInspectionWindow;
  return figures([
    ['Profile', h('span', { class: 'srp-profile', dataset: { profile: a.srp.profile } }, `${a.srp.profile} (${fmt.srpName(a.srp.profile)})`)],
    ['HRS points', String(a.srp.points)],
    ['Next inspection window', h('span', { class: 'srp-window' }, w ? `${fmt.date(w.from)} to ${fmt.date(w.to)}` : 'none: no Paris MoU inspection on record')],
    ['Inspection due', h('span', { class: ['srp-due', a.srp.inspectionDue ? 'warn' : ''], dataset: { due: a.srp.inspectionDue } }, a.srp.inspectionDue ? 'yes' : 'no')],
  ], 'figures srp');
}

/** The whole assessment as a sequence of blocks, headings at the given level. */
export function assessmentBlocks(a, headingTag = 'h2') {
  return [
    summary(a),
    h(headingTag, null, 'Hard rules (floors)'), floors(a),
    h(headingTag, null, 'Factor contributions'),
    h('p', { class: 'hint' }, 'Points each factor adds to the scorecard, out of its weight; the faint track is the weight.'),
    factorBars(a.factors),
    h(headingTag, null, 'Paris MoU ship risk profile'), srp(a),
  ];
}

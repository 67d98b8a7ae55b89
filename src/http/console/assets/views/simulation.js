// The fleet's Monte Carlo loss simulation (risk-model.md section 9), run on
// request only: it is computed on each call. Needs an underwriter key.

import { h, replace } from '../dom.js';
import { request, withQuery } from '../api.js';
import * as fmt from '../format.js';
import { figures } from '../ui.js';
import { problemElement } from '../problem.js';
import { markLoading, markLoaded } from '../loading.js';

function result(sim) {
  return figures([
    ['Mean annual loss', h('span', { class: 'sim-mean' }, fmt.usd(sim.mean))],
    ['Analytic expected annual loss', fmt.usd(sim.expectedAnnualLossUsd)],
    ['Standard deviation', fmt.usd(sim.stdDev)],
    ['VaR 95 %', h('span', { class: 'sim-var95' }, fmt.usd(sim.var95))],
    ['VaR 99.5 % (Solvency II)', h('span', { class: 'sim-var995' }, fmt.usd(sim.var995))],
    ['TVaR 99.5 %', fmt.usd(sim.tvar995)],
    ['Years with a total loss', fmt.percent(sim.pAnyTotalLoss)],
    ['Vessels simulated', fmt.count(sim.vesselCount)],
    ['Years, seed', `${fmt.count(sim.years)}, ${sim.seed}`],
  ], 'figures simulation');
}

export function simulationPanel(fleetId) {
  const years = h('input', { id: 'simulate-years', type: 'number', min: 1, step: 1, value: 100000, inputmode: 'numeric' });
  const seed = h('input', { id: 'simulate-seed', type: 'number', min: 0, step: 1, value: 1, inputmode: 'numeric' });
  const run = h('button', { id: 'simulate-run', type: 'submit', class: 'button-secondary' }, 'Simulate');
  const out = h('div', { id: 'simulation-results', 'aria-live': 'polite' });
  const form = h('form', { class: 'form-row', id: 'simulate-form', novalidate: true },
    h('div', { class: 'control' }, h('label', { for: 'simulate-years' }, 'Years'), years),
    h('div', { class: 'control' }, h('label', { for: 'simulate-seed' }, 'Seed'), seed),
    run);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    markLoading();
    run.disabled = true;
    replace(out, h('p', { class: 'loading' }, 'Simulating…'));
    try {
      const sim = await request(withQuery(`/api/fleet-risk/fleets/${encodeURIComponent(fleetId)}/risk/simulation`,
        { years: years.value.trim(), seed: seed.value.trim() }));
      replace(out, result(sim));
      markLoaded('ok', out);
    } catch (err) {
      replace(out, problemElement(err));
      markLoaded('error', out);
    } finally {
      run.disabled = false;
    }
  });
  return h('div', null,
    h('p', { class: 'hint' }, 'Aggregate annual loss of the fleet from its published scores; the same years and seed give the same figures.'),
    form, out);
}

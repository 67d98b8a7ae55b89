// Charts without a library: a stacked mix bar and the factor bars are HTML
// whose widths are set through element.style (allowed by the CSP, unlike a
// style attribute); the score history is inline SVG.

import { h, s } from './dom.js';
import * as fmt from './format.js';

/**
 * One horizontal bar split into parts: [{key, label, count}]. Each segment
 * is `.mix-segment[data-key][data-count]`, its width the part's share.
 */
export function mixBar(label, parts, className = 'mix') {
  const total = parts.reduce((sum, p) => sum + (p.count || 0), 0);
  const segments = parts.filter((p) => p.count > 0).map((p) => {
    const seg = h('span', {
      class: ['mix-segment', `mix-${p.key}`],
      dataset: { key: p.key, count: p.count },
      title: `${p.label}: ${p.count}`,
    });
    seg.style.width = `${(p.count / total) * 100}%`;
    return seg;
  });
  const summary = parts.map((p) => `${p.label} ${p.count}`).join(', ');
  return h('figure', { class: ['mix-chart', className] },
    h('div', { class: 'mix-bar', role: 'img', 'aria-label': `${label}: ${summary}` },
      total ? segments : h('span', { class: 'mix-empty' }, 'none')),
    h('figcaption', { class: 'mix-legend' },
      parts.map((p) => h('span', { class: 'mix-legend-item', dataset: { key: p.key } },
        h('span', { class: ['swatch', `mix-${p.key}`], 'aria-hidden': 'true' }),
        `${p.label} `, h('strong', null, fmt.count(p.count))))));
}

export function levelMix(levelCounts, extra = []) {
  const parts = fmt.LEVELS.map((level) => ({ key: level, label: fmt.levelName(level), count: levelCounts?.[level] || 0 }));
  return mixBar('Vessels by risk level', parts.concat(extra), 'level-mix');
}

export function srpMix(srpCounts) {
  const parts = fmt.SRP_PROFILES.map((p) => ({ key: p, label: p, count: srpCounts?.[p] || 0 }));
  return mixBar('Vessels by Paris MoU ship risk profile', parts, 'srp-mix');
}

/**
 * The eleven factor contributions as horizontal bars, in the order given
 * (the API sorts them largest first). All bars share one scale, the largest
 * weight, so widths are proportional to contributions across factors and a
 * faint track shows each factor's weight (its most it can contribute).
 */
export function factorBars(factors) {
  const scale = Math.max(...factors.map((f) => f.weight || 0), ...factors.map((f) => f.contribution || 0), 1e-9);
  const rows = factors.map((f) => {
    const track = h('span', { class: 'factor-track', 'aria-hidden': 'true' });
    track.style.width = `${(f.weight / scale) * 100}%`;
    const bar = h('span', {
      class: 'factor-bar',
      dataset: { factor: f.key, contribution: f.contribution, weight: f.weight, value: f.value },
      'aria-hidden': 'true',
    });
    bar.style.width = `${(f.contribution / scale) * 100}%`;
    return h('li', { class: 'factor-row', dataset: { factor: f.key } },
      h('div', { class: 'factor-head' },
        h('span', { class: 'factor-name' }, fmt.factorName(f.key)),
        h('span', { class: 'factor-figure' },
          h('strong', { class: 'factor-contribution' }, fmt.score(f.contribution)),
          ` of ${fmt.weight(f.weight)} (f = ${fmt.decimal2(f.value)})`)),
      h('div', { class: 'factor-scale' }, track, bar),
      h('p', { class: 'factor-reason' }, f.reason));
  });
  return h('ol', { class: 'factor-chart', 'aria-label': 'Factor contributions, largest first' }, rows);
}

/**
 * Score history (entries newest first, as the API answers) as an SVG line,
 * oldest on the left, one `circle.history-point` per run, evenly spaced (runs
 * can be seconds or months apart). thresholds {medium, high, critical}, when
 * known, are drawn as dashed lines.
 */
export function historyLine(entries, thresholds) {
  const points = [...entries].reverse();
  // The right margin holds the threshold labels, clear of the last point.
  const W = 640, H = 220, left = 36, right = 96, top = 12, bottom = 28;
  const plotW = W - left - right, plotH = H - top - bottom;
  const x = (i) => left + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v) => top + plotH - (Math.min(100, Math.max(0, v)) / 100) * plotH;

  const grid = [0, 25, 50, 75, 100].map((v) => s('g', { class: 'grid' },
    s('line', { x1: left, x2: W - right, y1: y(v), y2: y(v) }),
    s('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v))));
  const lines = thresholds ? ['medium', 'high', 'critical'].filter((k) => typeof thresholds[k] === 'number').map((k) =>
    s('g', { class: ['threshold', `threshold-${k}`] },
      s('line', { x1: left, x2: W - right, y1: y(thresholds[k]), y2: y(thresholds[k]) }),
      s('text', { x: W - right + 8, y: y(thresholds[k]) + 4, 'text-anchor': 'start' }, `${k} ${fmt.score(thresholds[k])}`))) : [];
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ');
  const circles = points.map((p, i) => s('circle', {
    class: ['history-point', `level-${p.level}`],
    cx: x(i).toFixed(1), cy: y(p.score).toFixed(1), r: 4.5,
    dataset: { runId: p.runId, score: p.score, level: p.level, calculatedAt: p.calculatedAt },
  }, s('title', null, `${fmt.dateTime(p.calculatedAt)}: ${fmt.score(p.score)} (${p.level})`)));
  const first = points[0], last = points[points.length - 1];
  const axis = points.length ? [
    s('text', { class: 'axis-label', x: left, y: H - 8, 'text-anchor': 'start' }, fmt.date(first.calculatedAt)),
    points.length > 1 ? s('text', { class: 'axis-label', x: W - right, y: H - 8, 'text-anchor': 'end' }, fmt.date(last.calculatedAt)) : null,
  ] : [];
  const label = points.length
    ? `Score history over ${points.length} runs, from ${fmt.score(first.score)} to ${fmt.score(last.score)}`
    : 'No score history yet';
  return s('svg', { class: 'history-chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' },
    grid, lines, points.length > 1 ? s('path', { class: 'history-line', d: path }) : null, circles, axis);
}

// Hash router: #/ (dashboard), #/fleets/{id}, #/vessels/{imo}, #/assess,
// #/key. Each view renders into a detached element that replaces the old one
// only when it is done (a slow answer to an abandoned route is dropped).

import { h, replace } from './dom.js';
import { getKey, forgetKey, ApiProblem } from './api.js';
import { clearProblem, showProblem } from './problem.js';
import { markLoading, markLoaded } from './loading.js';
import { viewHeading } from './ui.js';
import * as dashboard from './views/dashboard.js';
import * as fleet from './views/fleet.js';
import * as vessel from './views/vessel.js';
import * as assess from './views/assess.js';
import * as key from './views/key.js';

const ROUTES = [
  { name: 'dashboard', pattern: /^\/?$/, view: dashboard, title: 'Dashboard' },
  { name: 'fleet', pattern: /^\/fleets\/([^/]+)$/, params: ['fleetId'], view: fleet, title: 'Fleet' },
  { name: 'vessel', pattern: /^\/vessels\/([^/]+)$/, params: ['imo'], view: vessel, title: 'Vessel' },
  { name: 'assess', pattern: /^\/assess$/, view: assess, title: 'Assess' },
  { name: 'key', pattern: /^\/key$/, view: key, title: 'API key', public: true },
];

let renderToken = 0;
let firstRender = true;
let lastRouteName = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, queryText = ''] = raw.split('?');
  return { raw, path, query: new URLSearchParams(queryText) };
}

function match(path) {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) {
      const params = {};
      (route.params || []).forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1]); });
      return { route, params };
    }
  }
  return null;
}

function updateChrome(routeName) {
  const hasKey = Boolean(getKey());
  document.getElementById('key-state').textContent = hasKey ? 'Key set for this tab' : 'No key';
  document.getElementById('key-forget').hidden = !hasKey;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === routeName) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function announce(text) {
  document.getElementById('status').textContent = text;
}

async function route() {
  const token = ++renderToken;
  // Within one view (a new sort or filter), focus goes back to the control
  // that changed it, not to the heading.
  const keepFocusId = document.activeElement && document.activeElement.id;
  const { raw, path, query } = parseHash();
  const found = match(path);
  const viewEl = document.getElementById('view');
  clearProblem();

  if (found && !found.route.public && !getKey()) {
    location.replace(`#/key?next=${encodeURIComponent(raw)}`);
    return;
  }
  const name = found ? found.route.name : 'not-found';
  updateChrome(name);
  viewEl.dataset.view = name;
  markLoading();
  replace(viewEl, h('p', { class: 'loading' }, 'Loading…'));

  if (!found) {
    replace(viewEl, viewHeading('Page not found'), h('p', null, h('a', { href: '#/' }, 'Back to the dashboard')));
    document.title = 'Not found · fleet-risk';
    markLoaded('error');
    return;
  }

  const root = h('div', { class: ['view', `view-${name}`] });
  try {
    await found.route.view.render(root, found.params, query);
    if (token !== renderToken) return;
    replace(viewEl, root);
    markLoaded('ok');
  } catch (err) {
    if (token !== renderToken) return;
    const problem = err instanceof ApiProblem ? err : { status: 0, title: 'Console error', detail: String(err && err.message || err) };
    if (!(err instanceof ApiProblem)) console.error(err);
    replace(viewEl, viewHeading(found.route.title), h('p', { class: 'note' }, 'This view could not be loaded.'));
    showProblem(problem);
    markLoaded('error');
  }
  const heading = viewEl.querySelector('h1');
  document.title = `${heading ? heading.textContent : found.route.title} · fleet-risk`;
  announce(`${document.title} loaded`);
  // Move focus to the new content on navigation (not on the first load), so a
  // keyboard or screen reader user starts at the view's heading.
  const sameView = name === lastRouteName && keepFocusId ? document.getElementById(keepFocusId) : null;
  const focusTarget = sameView || (name === 'key' ? document.getElementById('key-input') : heading);
  if (focusTarget && (!firstRender || name === 'key')) focusTarget.focus();
  firstRender = false;
  lastRouteName = name;
}

function start() {
  document.getElementById('key-forget').addEventListener('click', () => {
    forgetKey();
    updateChrome('key');
    if (location.hash === '#/key') route(); else location.hash = '#/key';
  });
  document.getElementById('skip-link').addEventListener('click', () => {
    const heading = document.querySelector('#view h1');
    (heading || document.getElementById('view')).focus();
  });
  window.addEventListener('hashchange', route);
  route();
}

start();

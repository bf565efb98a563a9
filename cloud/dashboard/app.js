// The dashboard shell: login with an API token, navigation, the live alert feed, and the page router.
import { api, openAlertStream, session } from './api.js';
import { append, clear, h, time } from './dom.js';
import { alertsView } from './views/alerts.js';
import { fleetView } from './views/fleet.js';
import { pipelineView } from './views/pipeline.js';
import { vehicleView } from './views/vehicle.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const live = document.getElementById('live');
let disposeView = () => undefined;
let closeStream = () => undefined;

const navigate = (hash) => {
  if (location.hash === hash) route();
  else location.hash = hash;
};

function route() {
  disposeView();
  const hash = location.hash || '#/fleet';
  const vehicle = /^#\/vehicle\/(.+)$/.exec(hash);
  for (const a of nav.querySelectorAll('a[data-page]')) a.classList.toggle('active', hash.startsWith(`#/${a.dataset.page}`));
  if (vehicle) disposeView = vehicleView(main, { id: decodeURIComponent(vehicle[1]), navigate });
  else if (hash.startsWith('#/alerts')) disposeView = alertsView(main, { navigate });
  else if (hash.startsWith('#/pipeline')) disposeView = pipelineView(main, { navigate });
  else disposeView = fleetView(main, { navigate });
}

function showLogin(message) {
  closeStream();
  disposeView();
  clear(nav);
  clear(live);
  live.hidden = true;
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', placeholder: 'fst_...', required: true, 'aria-label': 'API token' });
  const error = h('p', { class: 'error', id: 'login-error' }, message ?? '');
  const form = h(
    'form',
    { class: 'login panel', id: 'login' },
    h('h1', {}, 'fleetsync'),
    h('p', {}, 'Sign in with an API token (', h('code', {}, 'fleetsync cloud token create --role viewer'), ').'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    try {
      const me = await api('/api/v1/me', { token });
      session.set(token, me);
      input.value = '';
      start();
    } catch (err) {
      error.textContent = err.status === 401 ? 'That token is not valid.' : err.message;
    }
  });
  append(clear(main), form);
  input.focus();
}

function liveFeed() {
  const status = h('span', { class: 'stream-state', id: 'stream-state' }, 'connecting');
  const list = h('ul', { id: 'live-alerts' });
  const empty = h('li', { class: 'muted' }, 'New alerts appear here as they arrive.');
  list.append(empty);
  live.hidden = false;
  append(clear(live), h('h2', {}, 'Live alerts ', status), list);
  closeStream = openAlertStream({
    onState: (st) => {
      status.textContent = st;
      status.className = `stream-state ${st}`;
    },
    onAlert: (a) => {
      empty.remove();
      list.prepend(
        h(
          'li',
          { class: `sev-${a.severity}`, dataset: { alert: a.alertId, vehicle: a.vehicle } },
          h('span', { class: `badge ${a.severity}` }, a.severity),
          ' ',
          h('a', { href: `#/vehicle/${encodeURIComponent(a.vehicle)}` }, a.vehicle),
          ' ',
          h('span', { class: 'state' }, a.state),
          h('div', { class: 'message' }, a.message),
          h('div', { class: 'muted small' }, time(a.eventMs)),
        ),
      );
      while (list.children.length > 50) list.lastChild.remove();
    },
  });
}

function start() {
  clear(nav);
  append(
    nav,
    h('span', { class: 'brand' }, 'fleetsync'),
    h('a', { href: '#/fleet', dataset: { page: 'fleet' } }, 'Fleet'),
    h('a', { href: '#/alerts', dataset: { page: 'alerts' } }, 'Alerts'),
    h('a', { href: '#/pipeline', dataset: { page: 'pipeline' } }, 'Pipeline'),
    h('span', { class: 'spacer' }),
    h('span', { class: 'muted', id: 'whoami' }, `${session.label} (${session.role})`),
    h('button', { type: 'button', id: 'logout', onclick: () => { session.clear(); showLogin(); } }, 'Sign out'),
  );
  liveFeed();
  route();
}

window.addEventListener('hashchange', () => session.token && route());
window.addEventListener('fleetsync:logout', () => {
  session.clear();
  showLogin('Your session ended (token invalid or revoked). Sign in again.');
});

if (session.token) start();
else showLogin();

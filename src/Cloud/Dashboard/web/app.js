// EdgeSentinel fleet dashboard. Reads only the aggregator's HTTP API; live updates come from
// the server-sent events at /api/events. Charts are drawn by Chart.js (window.Chart, from npm).

const Chart = window.Chart;
const SEVERITIES = ['critical', 'warning', 'info'];
const KINDS = ['input-drift', 'behavior-divergence', 'activation-anomaly', 'cue-sensitivity', 'canary-mismatch', 'model-identity', 'runtime-health'];
const RANGES = [['15 min', 900], ['1 hour', 3600], ['6 hours', 21600], ['24 hours', 86400]];
const MAX_DEFAULT_CHARTS = 6;

const view = document.getElementById('view');
const charts = new Map(); // canvas id -> Chart, destroyed on every render
const ui = {
  overview: { fleet: '', liveness: '', severity: '', search: '' },
  alerts: { fleet: '', device: '', kind: '', severity: '', state: 'open' },
  device: { key: '', range: 3600, channels: null },
};
let renderSeq = 0;

// ---------- small helpers ----------

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// ---------- API token ----------
// Reads are open; anything that changes state (acknowledging) needs the aggregator's API token as a bearer header.
// The token lives in this tab's sessionStorage only (gone when the tab closes, never sent unless a request adds it, so
// no CSRF). `edgesentinel demo` prints the dashboard address with the token in the fragment (#token=...): fragments never
// reach the server, its logs or Referer headers; the page moves it to sessionStorage and removes it from the address.
const TOKEN_KEY = 'edgesentinel.apiToken';

function apiToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

function setApiToken(token) {
  const t = (token || '').trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById('token').value = t;
}

function takeTokenFromAddress() {
  const m = /^#token=([^&/]*)/.exec(location.hash);
  if (!m) return;
  setApiToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

function showAuthError(message) {
  const banner = document.getElementById('auth-error');
  banner.textContent = message;
  banner.hidden = !message;
}

async function api(path, options = {}) {
  const method = (options.method || 'GET').toUpperCase();
  const auth = method !== 'GET' && method !== 'HEAD' && apiToken() ? { Authorization: `Bearer ${apiToken()}` } : {};
  const response = await fetch(path, { ...options, headers: { Accept: 'application/json', ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...auth } });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(body?.detail || body?.title || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

const enc = encodeURIComponent;
const shortHash = (hash) => (hash ? (hash.length > 12 ? hash.slice(0, 12) + '…' : hash) : '—');
const fmtTime = (t) => (t ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
const fmtClock = (ms) => new Date(ms).toISOString().slice(11, 19);

function fmtNumber(v) {
  if (typeof v === 'string') return v; // "Infinity" from the evidence JSON
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000);
}

function fmtAge(seconds) {
  if (seconds === null || seconds === undefined) return 'never';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

function severityBadges(bySeverity) {
  return SEVERITIES.map((s) => {
    const n = bySeverity?.[s] ?? 0;
    return h('span', { class: `badge ${n ? s : 'zero'}`, title: `${n} open ${s}`, dataset: { severity: s } }, n);
  });
}

function toast(message, cls = '') {
  const t = h('div', { class: `toast ${cls}` }, message);
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), 6000);
}

function select(label, value, options, onChange, attrs = {}) {
  return h('label', {}, label, h('select', { ...attrs, onchange: (e) => onChange(e.target.value) },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function destroyCharts() {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
}

function chartOn(canvas, config) {
  const chart = new Chart(canvas, config);
  charts.set(canvas.id, chart);
  return chart;
}

const timeAxis = (min, max) => ({
  type: 'linear', min, max,
  ticks: { maxTicksLimit: 6, callback: (v) => fmtClock(v) },
  title: { display: false },
});

// ---------- routing ----------

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'device' && parts.length >= 3) return { name: 'device', fleet: parts[1], device: parts[2] };
  if (parts[0] === 'alerts') return { name: 'alerts' };
  return { name: 'overview' };
}

async function render() {
  const seq = ++renderSeq;
  const r = route();
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('active', a.dataset.nav === r.name));
  try {
    const content = r.name === 'device' ? await renderDevice(r.fleet, r.device)
      : r.name === 'alerts' ? await renderAlerts()
      : await renderOverview();
    if (seq !== renderSeq) return; // a newer render started meanwhile
    destroyCharts();
    view.replaceChildren(content.node);
    content.after?.();
    view.dataset.view = r.name;
    view.dataset.rendered = String(seq);
  } catch (error) {
    if (seq !== renderSeq) return;
    destroyCharts();
    view.replaceChildren(h('p', { class: 'error' }, `Could not load this page: ${error.message}`));
    view.dataset.view = 'error';
    view.dataset.rendered = String(seq);
  }
}

let refreshTimer = null;
let refreshDue = Infinity;
function refreshSoon(delay = 250) {
  const due = Date.now() + delay;
  if (refreshTimer !== null && refreshDue <= due) return; // an earlier refresh is already pending
  clearTimeout(refreshTimer);
  refreshDue = due;
  refreshTimer = setTimeout(() => { refreshTimer = null; refreshDue = Infinity; render(); }, delay);
}

// ---------- fleet overview ----------

function fleetStatus(fleet, summary) {
  if (summary instanceof Error) return h('div', { class: 'status watch' }, `fleet summary unavailable: ${summary.message}`);
  const fleetWide = summary.models.flatMap((m) => m.fleetWideAlertKinds.map((k) => `${k} (model ${shortHash(m.modelHash)})`));
  const outliers = summary.models.flatMap((m) => m.outliers.devices.filter((d) => d.departs).map((d) => d.device));
  const lines = [];
  if (fleetWide.length) lines.push(h('div', { class: 'status drift', dataset: { fleetStatus: 'fleet-wide' } }, `Fleet-wide drift: ${fleetWide.join(', ')}`));
  if (outliers.length) lines.push(h('div', { class: 'status watch', dataset: { fleetStatus: 'outliers' } }, `Departing from the fleet: ${outliers.join(', ')}`));
  if (!lines.length && fleet.devicesWithOpenAlerts) lines.push(h('div', { class: 'status watch', dataset: { fleetStatus: 'device-alerts' } }, `Alerts on ${fleet.devicesWithOpenAlerts} of ${fleet.devices} devices; no fleet-wide drift`));
  if (!lines.length) lines.push(h('div', { class: 'status calm', dataset: { fleetStatus: 'calm' } }, 'No drift'));
  const unchecked = summary.models.filter((m) => !m.outliers.checked).map((m) => `${shortHash(m.modelHash)}: ${m.outliers.reason}`);
  if (unchecked.length) lines.push(h('div', { class: 'muted' }, `Outlier check not run — ${unchecked.join('; ')}`));
  return lines;
}

async function renderOverview() {
  const overview = await api('/api/dashboard/overview');
  const summaries = await Promise.all(overview.fleets.map((f) => api(`/api/dashboard/fleets/${enc(f.fleet)}/summary`).catch((e) => e)));
  const f = ui.overview;
  const cards = overview.fleets.map((fleet, i) => h('div', { class: 'card', dataset: { fleet: fleet.fleet } },
    h('h3', {}, `Fleet ${fleet.fleet}`),
    h('div', {}, `${fleet.devices} devices: `, h('span', { class: 'liveness online' }, `${fleet.online} online`), ', ',
      h('span', { class: 'liveness offline' }, `${fleet.offline} offline`), fleet.unknown ? `, ${fleet.unknown} never heard from` : ''),
    h('div', {}, 'Open alerts: ', severityBadges(fleet.openAlertsBySeverity)),
    h('div', { class: 'muted' }, `Models: ${fleet.models.map(shortHash).join(', ') || '—'}`),
    fleetStatus(fleet, summaries[i])));

  const matches = (d) => (!f.fleet || d.fleet === f.fleet)
    && (!f.liveness || d.liveness === f.liveness)
    && (!f.severity || (f.severity === 'any' ? d.openAlerts > 0 : (d.openAlertsBySeverity[f.severity] ?? 0) > 0))
    && (!f.search || `${d.fleet}/${d.device} ${d.modelHash ?? ''}`.toLowerCase().includes(f.search.toLowerCase()));
  const rows = overview.devices.filter(matches);
  const set = (k) => (v) => { f[k] = v; refreshSoon(0); };
  const search = h('input', { type: 'search', value: f.search, placeholder: 'device or model', 'aria-label': 'search' });
  search.addEventListener('change', (e) => set('search')(e.target.value));

  const filters = h('div', { class: 'filters' },
    select('Fleet', f.fleet, [['', 'all'], ...overview.fleets.map((x) => [x.fleet, x.fleet])], set('fleet'), { name: 'fleet' }),
    select('Liveness', f.liveness, [['', 'any'], ['online', 'online'], ['offline', 'offline'], ['unknown', 'unknown']], set('liveness'), { name: 'liveness' }),
    select('Open alerts', f.severity, [['', 'any or none'], ['any', 'at least one'], ...SEVERITIES.map((s) => [s, `with ${s}`])], set('severity'), { name: 'severity' }),
    h('label', {}, 'Search', search),
    h('span', { class: 'muted' }, `${rows.length} of ${overview.devices.length} devices · as of ${fmtTime(overview.at)}`));

  const table = h('table', { id: 'devices' },
    h('thead', {}, h('tr', {}, ['Fleet', 'Device', 'Model', 'Liveness', 'Last seen', 'Open alerts', 'Alert kinds', 'Outbox backlog', 'Dropped fingerprints'].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((d) => h('tr', { dataset: { device: `${d.fleet}/${d.device}`, liveness: d.liveness } },
      h('td', {}, d.fleet),
      h('td', {}, h('a', { href: `#/device/${enc(d.fleet)}/${enc(d.device)}` }, d.device)),
      h('td', { title: d.modelHash ?? 'not reported' }, h('code', {}, shortHash(d.modelHash))),
      h('td', {}, h('span', { class: `liveness ${d.liveness}` }, d.liveness)),
      h('td', { title: fmtTime(d.lastSeen) }, fmtAge(d.silentForSeconds)),
      h('td', { class: 'open-alerts' }, severityBadges(d.openAlertsBySeverity)),
      h('td', {}, d.openAlertKinds.join(', ') || '—'),
      h('td', { class: 'num outbox' }, d.outboxDepth),
      h('td', { class: 'num' }, d.droppedFingerprints)))));
  return { node: h('section', {}, h('h2', {}, 'Fleet overview'), h('div', { class: 'cards' }, cards), filters, table) };
}

// ---------- alerts ----------

async function acknowledge(id) {
  const by = document.getElementById('user').value.trim() || 'operator';
  try {
    await api(`/api/alerts/${enc(id)}/acknowledge`, { method: 'POST', body: JSON.stringify({ by }) });
    showAuthError('');
    toast(`Alert ${id} acknowledged by ${by}`);
  } catch (error) {
    if (error.status === 401) {
      showAuthError(`Alert ${id} was not acknowledged: acknowledging needs the aggregator's API token. ` +
        `${apiToken() ? 'The token entered was refused' : 'No token is entered'} — enter it in the "API token" box at the top ` +
        `(edgesentinel demo prints it with the dashboard address; edgesentinel aggregate reads it from --api-token-file). Server: ${error.message}`);
    }
    toast(`Could not acknowledge ${id}: ${error.message}`, 'critical');
  }
  refreshSoon(0);
}

function lifecycle(a) {
  const state = h('span', { class: `state ${a.state}` }, a.state);
  if (a.acknowledgedAt) {
    return h('span', { class: 'lifecycle', dataset: { state: 'acknowledged' } }, state, ' · ',
      h('span', { class: 'state acknowledged', title: fmtTime(a.acknowledgedAt) }, `acknowledged by ${a.acknowledgedBy}`));
  }
  return h('span', { class: 'lifecycle', dataset: { state: a.state } }, state, ' ',
    h('button', { class: 'ack', onclick: () => acknowledge(a.id) }, 'Acknowledge'));
}

function evidenceCells(a) {
  const e = typeof a.evidence === 'object' && a.evidence ? a.evidence : null;
  if (!e) return [h('td', { colspan: 4 }, String(a.evidence ?? '—'))];
  return [
    h('td', {}, h('code', {}, e.statistic)),
    h('td', { class: 'num' }, `${fmtNumber(e.value)} vs ${fmtNumber(e.threshold)}`),
    h('td', { class: 'num' }, `${fmtNumber(e.falseAlarmRate)} ${e.falseAlarmUnit}`),
    h('td', {}, (e.topChannels ?? []).map((c) => h('div', {}, h('code', {}, c.channel), ` ${c.statistic} ${fmtNumber(c.value)} (effect ${fmtNumber(c.effectSize)})`))),
  ];
}

function alertTable(alerts, withDevice) {
  return h('table', { class: 'alerts' },
    h('thead', {}, h('tr', {}, [...(withDevice ? ['Device'] : []), 'Raised', 'Kind', 'Subject', 'Severity', 'Lifecycle', 'Statistic', 'Value vs threshold', 'False-alarm rate', 'Top channels'].map((t) => h('th', {}, t)))),
    h('tbody', {}, alerts.map((a) => h('tr', { dataset: { alertId: a.id, state: a.acknowledgedAt ? 'acknowledged' : a.state } },
      withDevice ? h('td', {}, h('a', { href: `#/device/${enc(a.fleet)}/${enc(a.device)}` }, `${a.fleet}/${a.device}`)) : null,
      h('td', { title: `updated ${fmtTime(a.updatedAt)}` }, fmtTime(a.raisedAt)),
      h('td', {}, a.kind),
      h('td', {}, a.subject),
      h('td', {}, h('span', { class: `badge ${a.severity}` }, a.severity)),
      h('td', {}, lifecycle(a)),
      evidenceCells(a)))));
}

async function renderAlerts() {
  const f = ui.alerts;
  const query = new URLSearchParams({ limit: '500' });
  for (const k of ['fleet', 'device', 'kind', 'severity', 'state']) if (f[k]) query.set(k, f[k]);
  const alerts = await api(`/api/alerts?${query}`);
  const set = (k) => (v) => { f[k] = v; refreshSoon(0); };
  const text = (k, label) => {
    const input = h('input', { value: f[k], name: k, placeholder: 'any' });
    input.addEventListener('change', (e) => set(k)(e.target.value.trim()));
    return h('label', {}, label, input);
  };
  const filters = h('div', { class: 'filters' },
    text('fleet', 'Fleet'), text('device', 'Device'),
    select('Kind', f.kind, [['', 'any'], ...KINDS.map((k) => [k, k])], set('kind'), { name: 'kind' }),
    select('Severity', f.severity, [['', 'any'], ...SEVERITIES.map((s) => [s, s])], set('severity'), { name: 'severity' }),
    select('State', f.state, [['', 'any'], ['open', 'open (not cleared)'], ['raised', 'raised'], ['escalated', 'escalated'], ['cleared', 'cleared'], ['acknowledged', 'acknowledged']], set('state'), { name: 'state' }),
    h('span', { class: 'muted' }, `${alerts.length} alerts${alerts.length === 500 ? ' (the 500 most recently updated)' : ''}`));
  return { node: h('section', {}, h('h2', {}, 'Alerts'), filters, alertTable(alerts, true)) };
}

// ---------- device ----------

function relevantAlerts(alerts, channel) {
  return alerts.filter((a) => a.subject === channel || (a.evidence?.topChannels ?? []).some((c) => c.channel === channel));
}

function driftChart(canvas, channel, points, band, alerts, from, to) {
  const xs = points.map((p) => Date.parse(p.from));
  const series = (key) => points.map((p, i) => ({ x: xs[i], y: p[key] })).filter((p) => p.y !== null && p.y !== undefined);
  const continuous = points.some((p) => p.p50 !== null && p.p50 !== undefined);
  const datasets = [];
  if (band && band.p05 !== null && band.p95 !== null) {
    const flat = (y) => [{ x: from, y }, { x: to, y }];
    datasets.push({ label: 'baseline p05', data: flat(band.p05), borderColor: '#9aa5b1', borderWidth: 1, pointRadius: 0, fill: false });
    datasets.push({ label: 'baseline 5–95 % band', data: flat(band.p95), borderColor: '#9aa5b1', borderWidth: 1, pointRadius: 0, fill: '-1', backgroundColor: 'rgba(46,125,50,0.12)' });
    datasets.push({ label: 'baseline median', data: flat(band.p50), borderColor: '#2e7d32', borderDash: [6, 4], borderWidth: 1, pointRadius: 0, fill: false });
  }
  if (continuous) {
    datasets.push({ label: 'live p05', data: series('p05'), borderColor: '#90b4e8', borderWidth: 1, pointRadius: 1, fill: false });
    datasets.push({ label: 'live median', data: series('p50'), borderColor: '#1e6fd9', borderWidth: 2, pointRadius: 2, fill: false });
    datasets.push({ label: 'live p95', data: series('p95'), borderColor: '#90b4e8', borderWidth: 1, pointRadius: 1, fill: false });
  } else {
    datasets.push({ label: 'live mean', data: series('mean'), borderColor: '#1e6fd9', borderWidth: 2, pointRadius: 2, fill: false });
  }
  const values = datasets.flatMap((d) => d.data.map((p) => p.y)).filter(Number.isFinite);
  const top = values.length ? Math.max(...values) : 0;
  const markers = alerts.map((a) => ({ x: Date.parse(a.raisedAt), y: top, alert: a })).filter((p) => p.x >= from && p.x <= to);
  if (markers.length) {
    datasets.push({ type: 'scatter', label: 'alerts', data: markers, pointStyle: 'triangle', pointRadius: 8, borderColor: '#c62828', backgroundColor: '#c62828' });
  }
  return chartOn(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false, parsing: true, normalized: true, maintainAspectRatio: false,
      scales: { x: timeAxis(from, to), y: { title: { display: true, text: channel } } },
      plugins: {
        legend: { labels: { boxWidth: 12, font: { size: 11 } } },
        tooltip: { callbacks: { label: (ctx) => (ctx.raw.alert ? `${ctx.raw.alert.kind} ${ctx.raw.alert.severity} (${ctx.raw.alert.state})` : `${ctx.dataset.label}: ${fmtNumber(ctx.parsed.y)}`) } },
      },
    },
  });
}

function statisticCharts(alerts, baseline) {
  const byStatistic = new Map();
  for (const a of alerts) {
    const e = a.evidence;
    if (!e || typeof e !== 'object' || typeof e.value !== 'number' || typeof e.threshold !== 'number') continue;
    if (!byStatistic.has(e.statistic)) byStatistic.set(e.statistic, []);
    byStatistic.get(e.statistic).push(a);
  }
  const boxes = [];
  const draws = [];
  for (const [statistic, list] of byStatistic) {
    const id = `stat-${boxes.length}`;
    const canvas = h('canvas', { id, dataset: { chart: `statistic:${statistic}`, kind: 'statistic' } });
    boxes.push(h('div', { class: 'chart' }, h('h4', {}, `${statistic}: reported value vs calibrated threshold`), h('div', { class: 'box' }, canvas)));
    const sorted = [...list].sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
    const pts = (key) => sorted.map((a) => ({ x: Date.parse(a.updatedAt), y: a.evidence[key], alert: a }));
    const all = sorted.flatMap((a) => [a.evidence.value, a.evidence.threshold]);
    const logScale = all.every((v) => v > 0) && Math.max(...all) / Math.min(...all) > 100;
    const xs = sorted.map((a) => Date.parse(a.updatedAt));
    const pad = Math.max(60000, (Math.max(...xs) - Math.min(...xs)) * 0.05);
    draws.push(() => chartOn(canvas, {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'value at alert', data: pts('value'), pointRadius: 5, borderColor: '#c62828', backgroundColor: '#c62828' },
          { label: 'calibrated threshold', data: pts('threshold'), pointStyle: 'line', pointRadius: 10, borderWidth: 2, borderColor: '#333', backgroundColor: '#333' },
        ],
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: { x: timeAxis(Math.min(...xs) - pad, Math.max(...xs) + pad), y: { type: logScale ? 'logarithmic' : 'linear', ticks: { callback: (v) => fmtNumber(v) } } },
        plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.raw.alert.kind} ${ctx.raw.alert.subject}: ${ctx.dataset.label} ${fmtNumber(ctx.parsed.y)}` } } },
      },
    }));
  }
  const note = baseline ? h('p', { class: 'muted' }, `Baseline: sequential ${baseline.sequential.detector} threshold ${fmtNumber(baseline.sequential.statisticThreshold)} (target average run length ${fmtNumber(baseline.sequential.targetAverageRunLength)}); window tests on ${baseline.windowSize} observations at level ${fmtNumber(baseline.windowAlpha)}.`) : null;
  return { node: h('div', {}, note, boxes.length ? h('div', { class: 'charts' }, boxes) : h('p', { class: 'muted' }, 'No alerts with a statistic and threshold yet.')), draw: () => draws.forEach((d) => d()) };
}

async function renderDevice(fleet, device) {
  const key = `${fleet}/${device}`;
  if (ui.device.key !== key) Object.assign(ui.device, { key, channels: null });
  const detail = await api(`/api/devices/${enc(fleet)}/${enc(device)}`);
  const d = detail.device;
  const to = Date.parse(d.at);
  const from = to - ui.device.range * 1000;
  const range = `from=${enc(new Date(from).toISOString())}&to=${enc(new Date(to).toISOString())}`;
  const channelInfo = await api(`/api/dashboard/devices/${enc(fleet)}/${enc(device)}/channels?${range}`);
  const baseline = channelInfo.hasBaseline ? await api(`/api/models/${enc(channelInfo.modelHash)}/baseline`).catch(() => null) : null;
  const alerts = detail.recentAlerts;

  const implicated = new Set(alerts.flatMap((a) => [a.subject, ...(a.evidence?.topChannels ?? []).map((c) => c.channel)]));
  const names = channelInfo.channels.map((c) => c.name);
  const ordered = [...names.filter((n) => implicated.has(n)), ...names.filter((n) => !implicated.has(n))];
  if (!ui.device.channels) ui.device.channels = new Set(ordered.slice(0, MAX_DEFAULT_CHARTS));
  const shown = ordered.filter((n) => ui.device.channels.has(n));
  const bucket = Math.max(1, Math.ceil(ui.device.range / 150));
  const timelines = await Promise.all(shown.map((c) =>
    api(`/api/devices/${enc(fleet)}/${enc(device)}/fingerprints?channel=${enc(c)}&${range}&bucketSeconds=${bucket}`).then((t) => t.points, (e) => e)));

  const picker = h('div', { class: 'channel-picker' }, ordered.map((n) => h('label', {},
    h('input', { type: 'checkbox', checked: ui.device.channels.has(n), onchange: (e) => { if (e.target.checked) ui.device.channels.add(n); else ui.device.channels.delete(n); refreshSoon(0); } }),
    ` ${n}${implicated.has(n) ? ' ⚠' : ''}`)));
  const draws = [];
  const boxes = shown.map((channel, i) => {
    const canvas = h('canvas', { id: `drift-${i}`, dataset: { chart: channel, kind: 'drift' } });
    const points = timelines[i];
    if (points instanceof Error) return h('div', { class: 'chart' }, h('h4', {}, channel), h('p', { class: 'error' }, points.message));
    const band = baseline?.channels.find((c) => c.name === channel) ?? null;
    draws.push(() => driftChart(canvas, channel, points, band, relevantAlerts(alerts, channel), from, to));
    return h('div', { class: 'chart' }, h('h4', {}, channel, h('span', { class: 'muted' }, ` · ${points.length} points${band ? '' : ' · no baseline band registered'}`)), h('div', { class: 'box' }, canvas));
  });
  const stats = statisticCharts(alerts, baseline);

  const node = h('section', { dataset: { device: key } },
    h('h2', {}, `Device ${fleet}/${device}`),
    h('div', { class: 'cards' }, h('div', { class: 'card' },
      h('div', {}, 'Liveness: ', h('span', { class: `liveness ${d.liveness.toLowerCase()}` }, d.liveness.toLowerCase()), ` · last seen ${fmtTime(d.device.lastSeen)}`),
      h('div', {}, 'Model: ', h('code', {}, d.device.modelHash ?? '—')),
      h('div', {}, `Outbox backlog ${d.device.outboxDepth} · dropped fingerprints ${d.device.droppedFingerprints} · open alerts ${d.openAlerts}`))),
    h('h3', {}, 'Drift timelines'),
    h('div', { class: 'filters' },
      select('Range', String(ui.device.range), RANGES.map(([t, s]) => [String(s), t]), (v) => { ui.device.range = Number(v); refreshSoon(0); }, { name: 'range' }),
      h('span', { class: 'muted' }, channelInfo.modelHash
        ? `${channelInfo.observations} observations of model ${shortHash(channelInfo.modelHash)}; ${baseline ? 'green band: the baseline\'s 5–95 % quantiles' : 'no baseline registered for this model, so no band'}; blue: live 5/50/95 % quantiles per ${bucket} s; red triangles: alerts; times in UTC`
        : 'no fingerprints in this range')),
    picker,
    boxes.length ? h('div', { class: 'charts', id: 'drift-charts' }, boxes) : h('p', { class: 'muted' }, 'No channel selected or no fingerprints yet.'),
    h('h3', {}, 'Detection statistics'),
    stats.node,
    h('h3', {}, `Alerts (${alerts.length} most recent)`),
    alertTable(alerts, false));
  return { node, after: () => { draws.forEach((draw) => draw()); stats.draw(); } };
}

// ---------- live events ----------

function connectEvents() {
  const live = document.getElementById('live');
  const source = new EventSource('/api/events');
  source.addEventListener('ready', () => { live.dataset.state = 'live'; live.textContent = 'live'; });
  source.onerror = () => { live.dataset.state = 'lost'; live.textContent = 'reconnecting…'; };
  const current = () => route();
  source.addEventListener('alert', (m) => {
    const e = JSON.parse(m.data);
    toast(`${e.state} ${e.severity} ${e.kind} on ${e.fleet}/${e.device}`, e.severity);
    refreshSoon();
  });
  source.addEventListener('acknowledged', () => refreshSoon());
  source.addEventListener('status', (m) => {
    const e = JSON.parse(m.data);
    const r = current();
    if (r.name === 'overview' || (r.name === 'device' && r.fleet === e.fleet && r.device === e.device)) refreshSoon();
  });
  source.addEventListener('fingerprint', (m) => {
    const e = JSON.parse(m.data);
    const r = current();
    if (r.name === 'device' && r.fleet === e.fleet && r.device === e.device) refreshSoon(2000);
  });
}

takeTokenFromAddress();
document.getElementById('token').value = apiToken();
document.getElementById('token').addEventListener('change', (e) => { setApiToken(e.target.value); showAuthError(''); });
window.addEventListener('hashchange', () => render());
setInterval(() => { if (route().name === 'overview') render(); }, 30000); // liveness changes by silence, not by a message
connectEvents();
render();

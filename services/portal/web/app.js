// The portal dashboard: signs in through the portal (identity's staff login), then draws the
// indicators of /v1/indicators with Apache ECharts. No other origin is contacted.
'use strict';

let token = sessionStorage.getItem('tongban.portal.token');
const charts = {};

function share(s) {
  return s && s.share !== null && s.share !== undefined ? s.share : 0;
}

function chart(id) {
  if (!charts[id]) charts[id] = echarts.init(document.getElementById(id));
  return charts[id];
}

async function login(event) {
  event.preventDefault();
  const res = await fetch('/v1/login', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({
      login: document.getElementById('user').value,
      password: document.getElementById('password').value
    }),
  });
  const body = await res.json();
  if (!res.ok) {
    document.getElementById('error').textContent = body.detail || 'sign-in failed';
    return;
  }
  token = body.access_token;
  sessionStorage.setItem('tongban.portal.token', token);
  await show();
}

async function show() {
  const windowName = document.getElementById('window').value;
  const res = await fetch(
      '/v1/indicators?window=' + windowName, {headers: {Authorization: 'Bearer ' + token}});
  if (res.status === 401) {
    sessionStorage.removeItem('tongban.portal.token');
    document.getElementById('login').style.display = 'block';
    document.getElementById('app').style.display = 'none';
    return;
  }
  const ind = await res.json();
  if (!res.ok) {
    document.getElementById('error').textContent = ind.detail || 'cannot read the indicators';
    return;
  }
  document.getElementById('login').style.display = 'none';
  document.getElementById('app').style.display = 'block';
  document.getElementById('csv').href = '#';
  document.getElementById('csv').onclick = (e) => {
    e.preventDefault();
    downloadCsv(windowName);
  };
  draw(ind);
  document.body.dataset.rendered = 'true';  // for the browser test
}

async function downloadCsv(windowName) {
  const res = await fetch(
      '/v1/export/cities.csv?window=' + windowName, {headers: {Authorization: 'Bearer ' + token}});
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = 'cities.csv';
  a.click();
  URL.revokeObjectURL(url);
}

function draw(ind) {
  const net = ind.collaboration.network;
  const cities = ind.collaboration.cities;
  const pairs = ind.collaboration.pairs;
  const cap = ind.capability;
  const kpis = [
    ['cases', net.cases],
    ['network density', (100 * share(net.density)).toFixed(2) + ' %'],
    ['paper agreements', (100 * share(net.paper_share)).toFixed(1) + ' %'],
    ['e-licence reuse', (100 * share(cap.reuse.reuse_rate)).toFixed(1) + ' %'],
    ['satisfaction (good)', (100 * share(cap.satisfaction.good_share)).toFixed(1) + ' %'],
    ['overdue red / yellow', ind.supervision.total.red + ' / ' + ind.supervision.total.yellow],
  ];
  document.getElementById('kpis').innerHTML =
      kpis.map(([k, v]) => '<div class="kpi">' + k + '<b>' + v + '</b></div>').join('');

  const names = Object.fromEntries(cities.map((c) => [c.city, c.name_zh]));
  const active =
      cities.filter((c) => c.breadth > 0 || c.cases_as_receiving + c.cases_as_accepting > 0);
  const connected = pairs.filter((p) => p.connected);
  chart('network').setOption({
    tooltip: {},
    series: [{
      type: 'graph',
      layout: 'force',
      roam: true,
      force: {repulsion: 60, edgeLength: 60},
      label: {show: active.length < 60},
      data: active.map(
          (c) => ({name: c.name_zh, value: c.breadth, symbolSize: 6 + 2 * Math.sqrt(c.breadth)})),
      links: connected.map((p) => ({
                             source: names[p.city_a],
                             target: names[p.city_b],
                             value: p.cases,
                             lineStyle: {width: 1 + Math.log2(1 + p.cases)}
                           })),
    }],
  });

  const ranked = [...cities].sort((a, b) => b.breadth - a.breadth).slice(0, 20).reverse();
  chart('breadth').setOption({
    tooltip: {},
    grid: {left: 80},
    xAxis: {type: 'value'},
    yAxis: {type: 'category', data: ranked.map((c) => c.name_zh)},
    series: [
      {type: 'bar', name: 'breadth', data: ranked.map((c) => c.breadth)},
      {type: 'bar', name: 'realised', data: ranked.map((c) => c.realised_breadth)}
    ],
  });

  const busiest =
      [...connected].sort((a, b) => b.cases - a.cases || b.degree - a.degree).slice(0, 40);
  const axis = [...new Set(busiest.flatMap((p) => [p.city_a, p.city_b]))];
  chart('heatmap').setOption({
    tooltip: {
      formatter: (p) =>
          names[axis[p.value[0]]] + ' · ' + names[axis[p.value[1]]] + ': ' + p.value[2]
    },
    xAxis: {type: 'category', data: axis.map((c) => names[c]), axisLabel: {rotate: 60}},
    yAxis: {type: 'category', data: axis.map((c) => names[c])},
    visualMap: {
      min: 0,
      max: Math.max(1, ...busiest.map((p) => p.degree)),
      orient: 'horizontal',
      left: 'center',
      bottom: 0
    },
    grid: {bottom: 90, left: 70},
    series: [{
      type: 'heatmap',
      data: busiest.flatMap(
          (p) => [
              [axis.indexOf(p.city_a), axis.indexOf(p.city_b), p.degree],
              [axis.indexOf(p.city_b), axis.indexOf(p.city_a), p.realised_degree]])
    }],
  });

  const order = [
    'SUBMITTED', 'RECEIVED', 'PRE_EXAMINED', 'FORWARDED', 'ACCEPTED', 'APPROVED',
    'RESULT_DISPATCHED', 'COMPLETED'
  ];
  const reached = ind.funnel.reached || {};
  chart('funnel').setOption({
    tooltip: {},
    series: [{
      type: 'funnel',
      sort: 'none',
      data: order.map(
          (s) => ({name: s, value: s === 'SUBMITTED' ? ind.funnel.submitted : (reached[s] || 0)}))
    }],
  });

  const stages = Object.entries(cap.stages || {});
  chart('ontime').setOption({
    tooltip: {},
    legend: {},
    xAxis: {type: 'category', data: stages.map(([s]) => s).concat(['overdue'])},
    yAxis: [{type: 'value', max: 100, name: '% on time'}, {type: 'value', name: 'cases'}],
    series: [
      {
        type: 'bar',
        name: 'on time %',
        data: stages.map(([, s]) => +(100 * share(s.on_time_rate)).toFixed(1))
      },
      {
        type: 'bar',
        name: 'red',
        yAxisIndex: 1,
        stack: 'w',
        data: stages.map(() => null).concat([ind.supervision.total.red])
      },
      {
        type: 'bar',
        name: 'yellow',
        yAxisIndex: 1,
        stack: 'w',
        data: stages.map(() => null).concat([ind.supervision.total.yellow])
      },
    ],
  });

  const paper = pairs.filter((p) => p.paper);
  document.getElementById('formalism').innerHTML = paper.length === 0 ?
      '<p>No paper agreements in this window.</p>' :
      '<table><tr><th>pair</th><th>agreement</th><th>signed</th><th>items covered</th><th>migrant flow</th></tr>' +
          paper
              .map(
                  (p) => '<tr><td>' + names[p.city_a] + ' – ' + names[p.city_b] + '</td><td>' +
                      p.agreement_id + '</td><td>' + (p.signed_at || '') + '</td><td>' + p.degree +
                      '</td><td>' + p.flow_weight.toFixed(1) + '</td></tr>')
              .join('') +
          '</table>';
}

document.getElementById('login').addEventListener('submit', login);
document.getElementById('window').addEventListener('change', show);
window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
if (token) show();

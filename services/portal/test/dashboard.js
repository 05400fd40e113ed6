// Loads the portal dashboard in Debian's headless Chromium (driven by
// playwright-core), signs in, and checks that every chart rendered with data
// and that the page logged no error; saves a screenshot. Exit 0 when all holds,
// 1 with the reasons otherwise.
//
//   NODE_PATH=~/.cache/tongban/web/node_modules \
//     node dashboard.js <portal url> <login> <password> <screenshot.png>
'use strict';
const playwright = require('playwright-core');

async function main() {
  const [url, login, password, screenshot] = process.argv.slice(2);
  const problems = [];
  const browser = await playwright.chromium.launch({
    executablePath: process.env.TONGBAN_CHROMIUM || '/usr/bin/chromium',
    // This machine's network is closed: keep Chromium from calling home.
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'
    ],
  });
  try {
    const page = await browser.newPage({viewport: {width: 1400, height: 1800}});
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push('console: ' + m.text());
    });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    await page.goto(url, {waitUntil: 'load'});
    await page.fill('#user', login);
    await page.fill('#password', password);
    await page.click('#login button');
    await page.waitForSelector('body[data-rendered="true"]', {timeout: 30000});
    // Give the force layout and animations a moment before measuring and the
    // screenshot.
    await page.waitForTimeout(1500);
    const charts = await page.evaluate(
        () => ['network', 'breadth', 'heatmap', 'funnel', 'ontime'].map((id) => {
          const chart = echarts.getInstanceByDom(document.getElementById(id));
          const canvas = document.querySelector('#' + id + ' canvas');
          const series = chart ? chart.getOption().series : [];
          const points = series.reduce((n, s) => n + ((s.data || []).length), 0);
          return {id, canvas: !!canvas && canvas.width > 0 && canvas.height > 0, points};
        }));
    for (const c of charts) {
      if (!c.canvas) problems.push(c.id + ': no canvas drawn');
      if (c.points === 0) problems.push(c.id + ': no data');
    }
    const kpis = await page.locator('.kpi').count();
    if (kpis < 6) problems.push('only ' + kpis + ' indicator tiles');
    await page.screenshot({path: screenshot, fullPage: true});
    console.log(JSON.stringify({charts, kpis, screenshot}));
  } finally {
    await browser.close();
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});

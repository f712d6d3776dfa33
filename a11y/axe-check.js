// WCAG 2.1 AA check of a running `blog serve` with axe-core in headless Chromium, in light and
// dark mode at 1280 and 360 px, and a list of any request to another host.
// Run through `make a11y` (installs axe-core and playwright-core into a11y/node_modules).
// Usage: node a11y/axe-check.js BASE_URL PATH [PATH ...]; exits 1 on any violation.
const { chromium } = require('playwright-core');
const fs = require('fs');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
  const base = process.argv[2];
  const paths = process.argv.slice(3);
  let total = 0;
  for (const scheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const ctx = await browser.newContext({ bypassCSP: true, colorScheme: scheme, viewport: { width, height: 900 } });
      const page = await ctx.newPage();
      const external = [];
      page.on('request', r => { if (!r.url().startsWith(base)) external.push(r.url()); });
      for (const p of paths) {
        await page.goto(base + p);
        await page.addScriptTag({ content: axeSource });
        const res = await page.evaluate(async () => await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
        for (const v of res.violations) {
          total++;
          console.log(`${scheme} ${width} ${p}: ${v.id} (${v.impact}) ${v.nodes.length} nodes: ${v.nodes[0].target} ${v.nodes[0].failureSummary.split('\n')[1] || ''}`);
        }
      }
      if (external.length) { total += external.length; console.log('EXTERNAL', external); }
      await ctx.close();
    }
  }
  console.log('violations:', total);
  await browser.close();
  process.exit(total ? 1 : 0);
})();

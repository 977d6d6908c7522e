import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DrillReport } from './records.ts';
import { renderDrillHtml } from './report.ts';

const drill: DrillReport = {
  backend: 'postgres-cluster-async',
  title: 'PostgreSQL, primary + asynchronous standby (pitfall demo)',
  durability: 'no synchronous standby </script><b>',
  failovers: 2,
  faults: [
    { fault: 'kill', failovers: 1, acknowledged: 2000, lost: 300, duplicated: 0, phantom: 0, unavailableMs: { p50: 1500, p99: 1500, max: 1500 } },
    { fault: 'partition', failovers: 1, acknowledged: 1900, lost: 488, duplicated: 0, phantom: 1, unavailableMs: { p50: 1517, p99: 1517, max: 1517 } },
  ],
  acknowledged: 3900,
  lost: 788,
  duplicated: 0,
  phantom: 1,
  indeterminate: 0,
  subscriberMissed: 700,
  subscriberDuplicated: 0,
  unavailableMs: { p50: 1500, p99: 1517, max: 1517 },
  timeline: [
    { fault: 'kill', lagMs: 500, acknowledgedDuringLag: 290, detectMs: 1000, promoteMs: 120, rebuildMs: 1800, unavailableMs: 1500, lost: 300 },
    { fault: 'partition', lagMs: 500, acknowledgedDuringLag: 486, detectMs: 1315, promoteMs: 116, rebuildMs: 1119, unavailableMs: 1517, lost: 488 },
  ],
  writers: 4,
  startedAt: '2026-12-07T04:00:00.000Z',
  durationMs: 20_000,
  lostSample: [],
  machine: { cores: 2, loadAverageStart: [6.2, 4, 2], loadAverageEnd: [6.5, 4.2, 2.1] },
};

test('the drill report is one self-contained page: Chart.js inlined, the drills embedded, nothing able to close the script early', async () => {
  const html = await renderDrillHtml([drill]);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /Chart\.js v\d/, 'Chart.js is inlined');
  assert.ok(!/<script src=/.test(html), 'no script is fetched from the network');
  // The embedded JSON cannot end the <script> element, however odd a field is.
  const data = html.slice(html.indexOf('const DATA = '));
  assert.ok(!data.slice(0, data.indexOf('\n')).includes('</script>'));
  assert.ok(html.includes('"partition"'), 'every fault is in the data');
  assert.ok(html.includes('drillPage();'));
  assert.ok(html.includes('The machine was busy'), 'a load average above the cores is said first');
  assert.ok(html.includes('&lt;/script&gt;&lt;b&gt;'), 'text in the page is escaped');
});

test('a drill report of nothing is refused', async () => {
  await assert.rejects(renderDrillHtml([]), /at least one drill/);
});

test('a report of several drills of one backend names its settings once and each busy backend once', async () => {
  const later = { ...drill, startedAt: '2026-12-07T05:00:00.000Z' };
  const safe = { ...drill, backend: 'postgres-cluster', durability: 'a synchronous standby', machine: { cores: 2, loadAverageStart: [0.5, 0.4, 0.3], loadAverageEnd: [1, 1, 1] } };
  const html = await renderDrillHtml([drill, later, safe]);
  const header = html.slice(0, html.indexOf('<main'));
  assert.equal(header.split('no synchronous standby &lt;/script&gt;').length - 1, 1, 'the twin\'s settings appear once');
  assert.match(header, /postgres-cluster-async: .*\(2 drills, started 2026-12-07T04:00:00\.000Z to 2026-12-07T05:00:00\.000Z\)/);
  assert.match(header, /postgres-cluster: a synchronous standby \(started 2026-12-07T04:00:00\.000Z, 20 s\)/);
  assert.match(header, /at the start of 2 of the 3 drills: postgres-cluster-async\)/, 'the busy banner counts drills and names each backend once');
});

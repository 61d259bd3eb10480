// The timeline panel and its violations view in Chromium, fed the trace of real sessions: lanes per queue,
// depth and throughput plots, click a point to see the event, violations with rule and fix, a loaded file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TraceEvent } from '../../protocol/trace';
import { type OpenRingMessage } from '../../protocol/webview';
import { violationDto } from '../../extension/panels/violations';
import { recordings, type Recordings } from './fixtures';
import { PanelHost, pageErrors, posted, send } from './host';
import { shot } from './shots';

const host = new PanelHost();
let rec: Recordings;

before(async () => {
  [rec] = await Promise.all([recordings(), host.start()]);
});
after(() => host.close());

test('events per queue, plots, a clicked point shows its event, violations name rule and fix', async () => {
  const p = await host.open('timeline');
  const session = { name: 'Virtio: built-in blk + net', state: 'live' as const };
  const events: TraceEvent[] = [...rec.net.trace, ...rec.violation.trace.map((e) => ({ ...e, time: e.time }))];
  const t0 = Date.now();
  await send(p, { type: 'trace', session, events: rec.net.trace, replace: true });
  await send(p, { type: 'trace', session, events: rec.violation.trace, replace: false });
  await send(p, { type: 'violations', violations: rec.violation.first.violations.map(violationDto) });
  await p.locator('#lanes canvas').waitFor();
  process.stdout.write(`# timeline panel (${events.length} events): rendered in ${Date.now() - t0} ms\n`);
  assert.equal(await p.locator('canvas').count(), 3, 'lanes, queue depth and throughput');
  const axis = await p.locator('#lanes').innerText();
  assert.match(await p.locator('[data-testid="source"]').innerText(), /built-in/);
  for (const k of ['notification', 'chain', 'used buffer', 'interrupt', 'violation']) assert.match(axis, new RegExp(k));

  // Click the point of the first `used` event of net0.transmitq1.
  const target = await p.evaluate(() => {
    const el = document.querySelector('virtio-timeline-panel') as unknown as {
      lanesPlot: { valToPos(v: number, s: string): number; over: HTMLElement; data: (number | null)[][]; axes: unknown[] };
      events: { type: string; queueName?: string; seq: number }[];
    };
    const u = el.lanesPlot;
    const usedCol = u.data[3]!; // x, notify, chain, used...
    const i = usedCol.findIndex((v) => v !== null);
    const r = u.over.getBoundingClientRect();
    return { x: r.left + u.valToPos(u.data[0]![i]!, 'x'), y: r.top + u.valToPos(usedCol[i]!, 'y') };
  });
  await p.mouse.move(target.x, target.y);
  await p.mouse.click(target.x, target.y);
  const detail = p.locator('[data-testid="event-detail"]');
  await detail.locator('b').waitFor();
  assert.match(await detail.innerText(), /^used /);

  const v = p.locator('[data-testid="violation"]').first();
  assert.equal(await v.getAttribute('data-rule'), 'split-desc-zero-length');
  assert.match(await v.innerText(), /§2\.7\.5/);
  assert.match(await v.locator('[data-testid="fix"]').innerText(), /^Fix/);
  await v.locator('[data-testid="open-ring"]').click();
  const open = (await posted(p)).find((m) => m.type === 'openRing') as OpenRingMessage | undefined;
  assert.deepEqual(open, { type: 'openRing', device: 'blk0', queue: 'requestq1', index: 0 });

  // A rule the trace counted repeats of (violation-summary): the last listed one shows every occurrence.
  const counted = rec.violation.first.violations.map(violationDto);
  counted[0] = { ...counted[0]!, total: 14_662 };
  await send(p, { type: 'violations', violations: counted });
  assert.match(await p.locator('[data-testid="violation-total"]').first().innerText(), /×14,662 in all/);

  // The session ends: everything stays.
  await send(p, { type: 'sessionEnded', name: session.name });
  await p.locator('[data-testid="source"]', { hasText: 'ended' }).waitFor();
  assert.equal(await p.locator('#lanes canvas').count(), 1);
  await shot(p, 'timeline', true);
  await shot(p, 'violations', true, p.locator('virtio-violations'));
  assert.deepEqual(pageErrors(p), []);
  await p.close();
});

test('a loaded trace file replaces the session and is remembered for a reload', async () => {
  const p = await host.open('timeline');
  await send(p, { type: 'trace', session: { name: 'blk.jsonl', state: 'file', path: '/work/blk.jsonl' }, events: rec.blkPacked.trace, replace: true });
  await p.locator('[data-testid="source"]', { hasText: 'trace file blk.jsonl' }).waitFor();
  const state = await p.evaluate(() => (window as unknown as { __state: unknown }).__state);
  assert.deepEqual(state, { kind: 'timeline', file: '/work/blk.jsonl' });
  await p.close();
});

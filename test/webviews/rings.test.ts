// The ring panel in Chromium, fed snapshots recorded from the real engine (split, packed, 32768 entries,
// a violation): what a user must see, screenshots in test/.out/webviews, render times printed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Page } from 'playwright-core';
import { type SnapshotMessage } from '../../protocol/webview';
import { type SessionSnapshot } from '../../protocol/snapshot';
import { recordings, type Recordings } from './fixtures';
import { PanelHost, pageErrors, posted, send } from './host';
import { ringsMessage } from '../../extension/panels/ring-patch';
import { shot } from './shots';

const host = new PanelHost();
let rec: Recordings;

before(async () => {
  [rec] = await Promise.all([recordings(), host.start()]);
});
after(() => host.close());

const snap = (snapshot: SessionSnapshot): SnapshotMessage => ({ type: 'snapshot', session: { name: 'Virtio: built-in blk + net', state: 'live' }, snapshot });

/** Posts a snapshot and waits until the rows are drawn; prints how long that took. */
async function show(p: Page, s: SessionSnapshot, what: string): Promise<void> {
  const t0 = Date.now();
  await send(p, snap(s));
  await p.locator('virtio-ring-panel .row').first().waitFor();
  process.stdout.write(`# ring panel, ${what}: rendered in ${Date.now() - t0} ms\n`);
}

test('split ring: the held chain is marked held in all three tables and its blk header is decoded', async () => {
  const p = await host.open('rings');
  await show(p, rec.blkSplit.first, 'split, 16 entries');
  const row0 = p.locator('virtio-ring-panel .row[data-index="0"]');
  assert.equal(await row0.locator('[data-col="desc-state"]').innerText(), 'held');
  assert.equal(await row0.locator('[data-col="avail-state"]').innerText(), 'held');
  const row1 = await p.locator('virtio-ring-panel .row[data-index="1"]').innerText();
  assert.match(row1, /avail idx 1/);
  assert.match(row1, /device next 1/);
  assert.match(await row0.innerText(), /used idx 0/);
  // The held chain is selected: descriptors, decoded header, hex dump.
  assert.equal(await p.locator('[data-testid="chain-summary"]').innerText(), 'IN sector 0 len 4096');
  const decoded = await p.locator('[data-testid="decoded"]').innerText();
  assert.match(decoded, /virtio-blk request/);
  assert.match(decoded, /type\s+IN/);
  assert.match(decoded, /sector\s+0/);
  assert.ok((await p.locator('virtio-hex-view').count()) >= 2, 'a hex view per buffer');
  assert.match(await p.locator('virtio-hex-view pre').first().innerText(), /^0000 {2}00 00 00 00/);
  await shot(p, 'rings-split');

  // A step: the chain is used, the used idx moved, and what changed is highlighted.
  await send(p, snap(rec.blkSplit.second!));
  await p.locator('virtio-ring-panel .row[data-index="0"] [data-col="used-state"]', { hasText: 'used' }).waitFor();
  assert.match(await p.locator('virtio-ring-panel .row[data-index="1"]').innerText(), /used idx 1/);
  assert.ok((await p.locator('virtio-ring-panel .row .changed').count()) > 0, 'changes since the last stop are highlighted');
  await shot(p, 'rings', true);
  assert.deepEqual(pageErrors(p), []);
  await p.close();
});

test('packed ring: wrap counters, AVAIL/USED flags and event suppression are shown', async () => {
  const p = await host.open('rings');
  await show(p, rec.blkPacked.first, 'packed, 16 entries');
  const info = await p.locator('[data-testid="packed-info"]').innerText();
  assert.match(info, /Driver wrap counter\s+1/);
  assert.match(info, /Device wrap counter\s+1/);
  assert.match(info, /Driver event\s+\w+/);
  assert.match(info, /Device event\s+\w+/);
  assert.equal(await p.locator('virtio-ring-panel .row[data-index="0"] [data-col="desc-state"]').innerText(), 'held');
  assert.match(await p.locator('virtio-ring-panel .row[data-index="3"]').innerText(), /device next \(wrap 1\)/);
  assert.equal(await p.locator('[data-testid="chain-summary"]').innerText(), 'IN sector 0 len 4096');
  await shot(p, 'rings-packed');
  assert.deepEqual(pageErrors(p), []);
  await p.close();
});

test('a 32768-entry ring renders only the visible rows and scrolls to a revealed slot', async () => {
  const p = await host.open('rings');
  const q = rec.blkBig.first.devices[0]!.queues[0]!;
  assert.equal(q.size, 32768);
  assert.equal(q.ring?.desc.length, 32768);
  await show(p, rec.blkBig.first, '32768 entries');
  const rows = await p.locator('virtio-ring-panel .row').count();
  assert.ok(rows > 10 && rows < 200, `only visible rows are in the DOM (${rows})`);
  await send(p, { type: 'reveal', device: 'blk0', queue: 'requestq1', index: 30000 });
  await p.locator('virtio-ring-panel .row[data-index="30000"]').waitFor();
  assert.ok((await p.locator('virtio-ring-panel .row').count()) < 200);
  await shot(p, 'rings-32768');
  // Scrolling draws the rows it brings into view (and drops the others); the last row is reachable.
  await p.locator('virtio-ring-panel .scroller').evaluate((s) => (s.scrollTop = 20000 * 22));
  await p.locator('virtio-ring-panel .row[data-index="20000"]').waitFor();
  assert.equal(await p.locator('virtio-ring-panel .row[data-index="30000"]').count(), 0);
  await p.locator('virtio-ring-panel .scroller').evaluate((s) => (s.scrollTop = s.scrollHeight));
  await p.locator('virtio-ring-panel .row[data-index="32767"]').waitFor();
  assert.ok((await p.locator('virtio-ring-panel .row').count()) < 200);
  await p.close();
});

test('net: the transmitted frame decodes as virtio_net_hdr, Ethernet and ARP', async () => {
  const p = await host.open('rings', { kind: 'rings', thread: 'net0.transmitq1' });
  await show(p, rec.net.first, 'net transmitq1');
  const decoded = await p.locator('[data-testid="decoded"]').innerText();
  assert.match(decoded, /virtio_net_hdr/);
  assert.match(decoded, /Ethernet/);
  assert.match(decoded, /ARP/);
  await shot(p, 'rings-net');
  await p.close();
});

test('a click on a cell of a chain selects that chain in all three tables; a click elsewhere keeps the selection', async () => {
  const p = await host.open('rings', { kind: 'rings', thread: 'net0.receiveq1' });
  await show(p, rec.net.first, 'net receiveq1, 32 chains');
  const row = (i: number) => p.locator(`virtio-ring-panel .row[data-index="${i}"]`);
  const selected = async () => ((await p.evaluate(() => (window as unknown as { __state: { chain?: number } }).__state)) ?? {}).chain;
  // The available ring's head column of slot 5 (chain 5).
  await row(5).locator('[data-g="a"]').nth(1).click();
  await p.locator('virtio-ring-panel .row[data-index="5"] .sel').first().waitFor();
  assert.equal(await selected(), 5);
  assert.match(await p.locator('virtio-chain-detail .title').innerText(), /Chain 5/);
  assert.ok((await row(5).locator('[data-g="d"].sel').count()) > 0, 'the chain is selected in the descriptor table too');
  // The descriptor index of row 7.
  await row(7).locator('[data-g="d"]').first().click();
  await p.locator('virtio-ring-panel .row[data-index="7"] .sel').first().waitFor();
  assert.equal(await selected(), 7);
  assert.equal(await row(5).locator('.sel').count(), 0);
  // A state cell, and a free entry: no chain there.
  await row(7).locator('[data-col="desc-state"]').click();
  await row(40).locator('[data-g="d"]').first().click();
  assert.equal(await selected(), 7);
  assert.deepEqual(pageErrors(p), []);
  await p.close();
});

test('violation stop: the banner names the rule and the queue is shown', async () => {
  const p = await host.open('rings');
  await show(p, rec.violation.first, 'violation');
  assert.match(await p.locator('virtio-ring-panel .banner').innerText(), /split-desc-zero-length/);
  await shot(p, 'rings-violation');
  await p.close();
});

test('the selected queue survives a reload (state restored by the serializer)', async () => {
  const p = await host.open('rings', { kind: 'rings', thread: 'net0.receiveq1' });
  await show(p, rec.net.first, 'restored state');
  assert.match(await p.locator('virtio-ring-panel .bar').innerText(), /split · size 64/);
  assert.equal(await p.locator('virtio-ring-panel .row[data-index="0"] [data-col="desc-state"]').innerText(), 'available');
  await p.close();
});

test('32768 entries, a step as a delta: the used idx marker moves, the changed rows are highlighted, the others stay', async () => {
  const p = await host.open('rings');
  const { first, second } = rec.blkBig;
  assert.ok(second, 'the 32768-entry recording has a step');
  const info = { name: 'Virtio: built-in blk', state: 'live' } as const;
  await send(p, ringsMessage(info, first, 1));
  await p.locator('virtio-ring-panel .row').first().waitFor();
  const row = (i: number) => p.locator(`virtio-ring-panel .row[data-index="${i}"]`);
  assert.match(await row(0).innerText(), /used idx 0/);
  const untouched = [5, 6, 7, 8, 9, 10];
  const before = await Promise.all(untouched.map((i) => row(i).innerText()));

  const delta = ringsMessage(info, second, 2, { seq: 1, snapshot: first });
  assert.equal(delta.base, 1);
  assert.ok(JSON.stringify(delta).length < 64 * 1024, 'a step is a small message');
  await send(p, delta);
  await p.locator('virtio-ring-panel span', { hasText: /^Used ring\s*idx 1,/ }).first().waitFor();
  assert.match(await row(1).innerText(), /used idx 1/);
  assert.doesNotMatch(await row(0).innerText(), /used idx/);
  assert.equal(await row(0).locator('[data-col="used-state"]').innerText(), 'used');
  assert.ok((await row(0).locator('.changed').count()) > 0, 'the used entry the step wrote is highlighted');
  assert.deepEqual(await Promise.all(untouched.map((i) => row(i).innerText())), before);
  for (const i of untouched) assert.equal(await row(i).locator('.changed').count(), 0, `row ${i} did not change`);
  assert.deepEqual((await posted(p)).filter((m) => m.type === 'resync'), []);

  // A delta on a message the panel never got: it asks for the full state once, and shows it when it comes.
  await send(p, ringsMessage(info, first, 8, { seq: 7, snapshot: second }));
  await send(p, ringsMessage(info, first, 9, { seq: 8, snapshot: second }));
  await p.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'resync'));
  assert.deepEqual((await posted(p)).filter((m) => m.type === 'resync'), [{ type: 'resync', have: 2 }]);
  assert.match(await row(1).innerText(), /used idx 1/, 'the refused deltas changed nothing');
  await send(p, ringsMessage(info, first, 10));
  await p.locator('virtio-ring-panel span', { hasText: /^Used ring\s*idx 0,/ }).first().waitFor();
  assert.match(await row(0).innerText(), /used idx 0/);
  // Deltas apply again on top of the full state.
  await send(p, ringsMessage(info, second, 11, { seq: 10, snapshot: first }));
  await p.locator('virtio-ring-panel span', { hasText: /^Used ring\s*idx 1,/ }).first().waitFor();
  assert.equal((await posted(p)).filter((m) => m.type === 'resync').length, 1);
  await shot(p, 'rings-32768-delta');
  assert.deepEqual(pageErrors(p), []);
  await p.close();
});

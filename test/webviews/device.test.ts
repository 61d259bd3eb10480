// The device panel in Chromium, fed snapshots recorded from the real engine: feature bits, status with its
// history, the config register table with editing, transport registers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type StatusEvent } from '../../protocol/trace';
import { type EditConfigMessage } from '../../protocol/webview';
import { recordings, type Recordings } from './fixtures';
import { PanelHost, pageErrors, posted, send } from './host';
import { shot } from './shots';

const host = new PanelHost();
let rec: Recordings;

before(async () => {
  [rec] = await Promise.all([recordings(), host.start()]);
});
after(() => host.close());

test('blk: features, status history, config registers and an edit of capacity', async () => {
  const p = await host.open('device');
  const history = rec.blkSplit.trace.filter((e): e is StatusEvent => e.type === 'status');
  const t0 = Date.now();
  await send(p, { type: 'snapshot', session: { name: 'Virtio: built-in blk + net', state: 'live' }, snapshot: rec.blkSplit.first, statusHistory: history });
  await p.locator('[data-testid="features"] tr').nth(1).waitFor();
  process.stdout.write(`# device panel: rendered in ${Date.now() - t0} ms\n`);

  const flush = await p.locator('[data-testid="features"] tr', { hasText: 'VIRTIO_BLK_F_FLUSH' }).innerText();
  assert.match(flush, /5\.2\.3/);
  assert.equal(await p.locator('[data-testid="features"] tr', { hasText: 'VIRTIO_BLK_F_FLUSH' }).locator('[aria-label="yes"]').count(), 3, 'offered, accepted and negotiated');
  assert.ok(await p.locator('[data-testid="features"] a[href^="https://docs.oasis-open.org/virtio/virtio/v1.3/"]').count(), 'sections link to the spec');

  assert.match(await p.locator('[data-testid="status-bits"] .bit.on').allInnerTexts().then((t) => t.join(' ')), /ACKNOWLEDGE DRIVER FEATURES_OK DRIVER_OK/);
  const hist = await p.locator('[data-testid="status-history"]').innerText();
  assert.match(hist, /ACKNOWLEDGE \| DRIVER \| FEATURES_OK \| DRIVER_OK/);
  assert.ok(history.length >= 4, 'the recorded session went through the status sequence');

  const capacity = p.locator('[data-testid="config"] tr[data-field="capacity"]');
  assert.match(await capacity.innerText(), /0x00\s+8\s+capacity.*00 08 00 00 00 00 00 00\s+2048 sectors/s);
  assert.match(await p.locator('[data-testid="config"] tr[data-field="size_max"]').innerText(), /SIZE_MAX/);
  assert.match(await p.locator('[data-testid="queue-registers"]').innerText(), /requestq1/);
  assert.match(await p.locator('[data-testid="transport"]').innerText(), /MagicValue/);

  // Editing posts a message for the controller; its answer is shown next to the field.
  await capacity.locator('vscode-textfield input').fill('4096');
  await capacity.locator('vscode-button').click();
  const edit = (await posted(p)).find((m) => m.type === 'editConfig') as EditConfigMessage | undefined;
  assert.deepEqual(edit, { type: 'editConfig', device: 'blk0', field: 'capacity', value: '4096' });
  await send(p, { type: 'editResult', device: 'blk0', field: 'capacity', ok: true, message: 'set to 4096' });
  assert.equal(await capacity.locator('[data-testid="edit-result"]').innerText(), 'set to 4096');
  assert.equal(await p.locator('[data-testid="config"] tr[data-field="num_queues"] vscode-button').count(), 0, 'read-only fields have no editor');
  await shot(p, 'device', true);
  assert.deepEqual(pageErrors(p), []);
  await p.close();
});

test('net: the link status is editable and the device can be picked after a reload', async () => {
  const p = await host.open('device', { kind: 'device', device: 'net0' });
  await send(p, { type: 'snapshot', session: { name: 'net', state: 'live' }, snapshot: rec.net.first });
  await p.locator('[data-testid="config"] tr[data-field="status"]').waitFor();
  assert.equal(await p.locator('[data-testid="config"] tr[data-field="status"] vscode-button').count(), 1);
  assert.match(await p.locator('[data-testid="config"] tr[data-field="mac"]').innerText(), /52:54:00/);
  assert.match(await p.locator('[data-testid="features"]').innerText(), /VIRTIO_NET_F_MAC/);
  await send(p, { type: 'sessionEnded', name: 'net' });
  await p.locator('.bar', { hasText: 'ended' }).waitFor();
  await shot(p, 'device-net');
  await p.close();
});

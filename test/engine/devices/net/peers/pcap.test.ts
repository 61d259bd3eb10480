import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectWithTap } from '../../../../../engine/devices/net/ethernet-port';
import { attachPeer, PcapWriter, pcapTap, readPcap, Responder } from '../../../../../engine/devices/net/peers';
import { arpFrame, GUEST_MAC, icmpEchoFrame, RecordingPort, tshark } from './frames';

const R_MAC = '02:00:00:00:aa:01';
const dir = mkdtempSync(join(tmpdir(), 'vd-pcap-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A guest pinging 10.0.0.2 through a responder, captured in both directions. */
async function capturePing(path: string): Promise<void> {
  const writer = PcapWriter.open(path);
  const responder = new Responder({ mac: R_MAC });
  const guest = new RecordingPort();
  connectWithTap(guest, responder, pcapTap(writer));
  guest.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.2' }));
  await responder.flushed();
  guest.send(icmpEchoFrame({ src: '10.0.0.1', dst: '10.0.0.2', dstMac: R_MAC, data: Array.from({ length: 56 }, (_, i) => i) }));
  await responder.flushed();
  assert.equal(guest.frames.length, 2);
  assert.equal(writer.framesWritten, 4);
  await writer.close();
}

test('tshark reads a capture of both directions: lengths, sources, ARP opcodes, ICMP types', async () => {
  const path = join(dir, 'ping.pcap');
  await capturePing(path);
  const out = tshark(['-r', path, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.len', '-e', 'eth.src', '-e', 'arp.opcode', '-e', 'icmp.type']);
  assert.deepEqual(out.trimEnd().split('\n'), [
    `42\t${GUEST_MAC}\t1\t`,
    `60\t${R_MAC}\t2\t`,
    `98\t${GUEST_MAC}\t\t8`,
    `98\t${R_MAC}\t\t0`,
  ]);
});

test('tshark finds the reply checksums good and pairs the echo reply with its request', async () => {
  const path = join(dir, 'checksums.pcap');
  await capturePing(path);
  const out = tshark(['-r', path, '-o', 'ip.check_checksum:TRUE', '-Y', 'icmp.type == 0', '-T', 'fields', '-E', 'separator=/t',
    '-e', 'ip.checksum.status', '-e', 'icmp.checksum.status', '-e', 'icmp.resp_to', '-e', 'ip.ttl']);
  assert.equal(out.trim(), '1\t1\t3\t64'); // 1 = Good; the reply answers frame 3
});

test('the file is classic pcap: header fields, microsecond timestamps from the clock, frames byte for byte', async () => {
  const path = join(dir, 'header.pcap');
  let micros = 1_700_000_000_123_456n;
  const writer = PcapWriter.open(path, { nowMicros: () => micros });
  const a = arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.2' });
  writer.write(a);
  micros += 1_999_999n;
  const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
  writer.write(big);
  writer.closeSync();
  const raw = readFileSync(path);
  assert.deepEqual([...raw.subarray(0, 4)], [0xd4, 0xc3, 0xb2, 0xa1], 'magic 0xa1b2c3d4 in little-endian order');
  const file = readPcap(path);
  assert.deepEqual([file.versionMajor, file.versionMinor, file.snaplen, file.linktype], [2, 4, 65535, 1]);
  assert.equal(file.records.length, 2);
  assert.deepEqual(file.records[0], { tsSec: 1_700_000_000, tsUsec: 123_456, origLen: a.length, data: a });
  assert.deepEqual([file.records[1]!.tsSec, file.records[1]!.tsUsec], [1_700_000_002, 123_455]);
  assert.equal(file.records[1]!.origLen, 70_000, 'original length kept');
  assert.equal(file.records[1]!.data.length, 65_535, 'cut at the snaplen');
  assert.deepEqual(file.records[1]!.data, big.subarray(0, 65_535));
  assert.equal(statSync(path).size, 24 + 16 + a.length + 16 + 65_535);
  const t = tshark(['-r', path, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.time_epoch']);
  assert.deepEqual(t.trim().split('\n'), [`${a.length}\t${a.length}\t1700000000.123456000`, '70000\t65535\t1700000002.123455000']);
});

test('an unwritable path is a clear error at open', () => {
  assert.throws(() => PcapWriter.open(join(dir, 'no-such-dir', 'x.pcap')), /cannot write pcap file .*no-such-dir.*ENOENT/);
  assert.throws(() => PcapWriter.open(dir), /cannot write pcap file .*EISDIR/);
  if (process.getuid?.() !== 0) {
    const ro = join(dir, 'ro');
    rmSync(ro, { force: true, recursive: true });
    PcapWriter.open(ro).closeSync();
    chmodSync(ro, 0o444);
    assert.throws(() => PcapWriter.open(ro), /cannot write pcap file .*EACCES/);
  }
});

test('records reach the file periodically, before close', async () => {
  const path = join(dir, 'periodic.pcap');
  const writer = PcapWriter.open(path, { flushIntervalMs: 20 });
  assert.equal(statSync(path).size, 24, 'the global header is written at open');
  writer.write(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.2' }));
  assert.equal(statSync(path).size, 24, 'buffered, not written per frame');
  const deadline = Date.now() + 2000;
  while (statSync(path).size === 24 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(statSync(path).size, 24 + 16 + 42);
  assert.equal(tshark(['-r', path, '-T', 'fields', '-e', 'arp.opcode']).trim(), '1', 'readable while still open');
  writer.closeSync();
});

test('a full buffer is written at once; writes after close are counted as dropped', () => {
  const path = join(dir, 'bytes.pcap');
  const writer = PcapWriter.open(path, { flushBytes: 100, flushIntervalMs: 60_000 });
  writer.write(new Uint8Array(60));
  assert.equal(statSync(path).size, 24);
  writer.write(new Uint8Array(60));
  assert.equal(statSync(path).size, 24 + 2 * 76);
  writer.closeSync();
  writer.closeSync();
  writer.write(new Uint8Array(60));
  assert.equal(writer.framesDropped, 1);
  assert.equal(writer.framesWritten, 2);
  assert.equal(readPcap(path).records.length, 2);
});

test('readPcap reads an empty capture and refuses what is not a pcap file', () => {
  const path = join(dir, 'empty.pcap');
  PcapWriter.open(path).closeSync();
  assert.equal(readPcap(path).records.length, 0);
  assert.throws(() => readPcap(join(dir, 'nope.pcap')), /ENOENT/);
  const junk = join(dir, 'junk.pcap');
  writeFileSync(junk, Uint8Array.of(1, 2, 3, 4, ...new Array<number>(20).fill(0)));
  assert.throws(() => readPcap(junk), /not a pcap file: magic/);
  const cut = readFileSync(path);
  writeFileSync(junk, Buffer.concat([cut, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 1, 2)]));
  assert.throws(() => readPcap(junk), /truncated record data/);
});

test('attachPeer with a capture records device traffic even with peer none', async () => {
  const path = join(dir, 'none.pcap');
  const device = new RecordingPort();
  const link = await attachPeer(device, 'none', { pcap: path });
  device.send(arpFrame({ spa: '10.0.0.1', tpa: '10.0.0.2' }));
  await link.close();
  assert.equal(link.description, `none (capture ${path})`);
  assert.equal(device.frames.length, 0);
  assert.equal(tshark(['-r', path, '-T', 'fields', '-e', 'arp.dst.proto_ipv4']).trim(), '10.0.0.2');
  await assert.rejects(attachPeer(new RecordingPort(), 'responder', { pcap: join(dir, 'missing', 'x.pcap') }), /cannot write pcap file/);
  assert.ok(!existsSync(join(dir, 'missing')));
});

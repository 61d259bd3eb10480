import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, hexBytes, hexString } from '../../../engine/wire/hex';

test('hexString: two lowercase digits per byte, joined by the separator', () => {
  assert.equal(hexString(new Uint8Array([0x52, 0x54, 0x00, 0x12, 0x34, 0xff]), ':'), '52:54:00:12:34:ff');
  assert.equal(hexString(new Uint8Array([0x0a, 0xb0])), '0ab0');
  assert.equal(hexString(new Uint8Array([])), '');
  assert.equal(hexString(new Uint8Array([7]), ' '), '07');
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(hexString(all, '-'), Array.from(all, (x) => x.toString(16).padStart(2, '0')).join('-'));
});

test('hexBytes shortens past max; hex pads to the width', () => {
  assert.equal(hexBytes(new Uint8Array(40).fill(1), 0, 40, 2), '01 01 … (40 bytes)');
  assert.equal(hex(0x800, 4), '0x0800');
});

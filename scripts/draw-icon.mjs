// Draws media/icon.png (128x128): a virtqueue as a ring of twelve descriptor slots, one of them (the
// offending descriptor) in orange, on a rounded dark-blue tile. Plain Node (zlib PNG), 4x4 supersampling.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const S = 128;
const SS = 4;
const BG = [30, 58, 95];
const SLOT = [64, 196, 190];
const HOT = [247, 140, 36];
const HUB = [220, 232, 245];

function colourAt(x, y) {
  const c = S / 2;
  const dx = x - c;
  const dy = y - c;
  // Rounded tile (corner radius 24).
  const r = 24;
  const qx = Math.max(Math.abs(dx) - (c - r), 0);
  const qy = Math.max(Math.abs(dy) - (c - r), 0);
  if (Math.hypot(qx, qy) > r) return null;
  const d = Math.hypot(dx, dy);
  if (d < 14) return HUB;
  if (d > 30 && d < 52) {
    const a = (Math.atan2(dy, dx) + Math.PI * 2.5) % (Math.PI * 2); // 0 at 12 o'clock, clockwise
    const slot = Math.floor(a / ((Math.PI * 2) / 12));
    const within = (a / ((Math.PI * 2) / 12)) % 1;
    if (within > 0.1 && within < 0.9) return slot === 2 ? HOT : SLOT;
  }
  return BG;
}

const raw = Buffer.alloc(S * (S * 4 + 1));
for (let y = 0; y < S; y++) {
  raw[y * (S * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < S; x++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < SS; sy++)
      for (let sx = 0; sx < SS; sx++) {
        const col = colourAt(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS);
        if (!col) continue;
        acc[0] += col[0];
        acc[1] += col[1];
        acc[2] += col[2];
        acc[3] += 255;
      }
    const n = SS * SS;
    const covered = acc[3] / 255;
    const o = y * (S * 4 + 1) + 1 + x * 4;
    raw[o] = covered ? Math.round(acc[0] / covered) : 0;
    raw[o + 1] = covered ? Math.round(acc[1] / covered) : 0;
    raw[o + 2] = covered ? Math.round(acc[2] / covered) : 0;
    raw[o + 3] = Math.round(acc[3] / n);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
process.stdout.write(`media/icon.png: ${png.length} bytes\n`);

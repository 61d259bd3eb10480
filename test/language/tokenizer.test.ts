import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { integerValue, languageOf, tokenize } from '../../language/tokenizer';

const idents = (text: string, lang: 'c' | 'rust' = 'c'): string[] => tokenize(text, lang).filter((t) => t.kind === 'ident').map((t) => t.text);
const numbers = (text: string, lang: 'c' | 'rust' = 'c'): (bigint | undefined)[] =>
  tokenize(text, lang).filter((t) => t.kind === 'number').map((t) => t.value);

describe('tokenizer', () => {
  test('maps editor language ids to dialects', () => {
    assert.equal(languageOf('c'), 'c');
    assert.equal(languageOf('cpp'), 'c');
    assert.equal(languageOf('rust'), 'rust');
    assert.equal(languageOf('python'), undefined);
  });

  test('C integer literals: hex, binary, octal, suffixes, digit separators', () => {
    assert.deepEqual(numbers('a = 0xf; b = 0XFFu; c = 0b101; d = 017; e = 15ULL; f = 1\'000; g = 0x8000000000000000ull;'), [
      15n, 255n, 5n, 15n, 15n, 1000n, 0x8000000000000000n,
    ]);
  });

  test('Rust integer literals: underscores, 0o, type suffixes', () => {
    assert.deepEqual(numbers('let a = 1_000u32; let b = 0x_ff_u8; let c = 0o17; let d = 0b1_0000i64; let e = 3usize;', 'rust'), [
      1000n, 255n, 15n, 16n, 3n,
    ]);
  });

  test('floats have no integer value; ranges and method calls on integers are not floats', () => {
    assert.deepEqual(numbers('x = 1.5; y = 2e3; z = .5f;'), [undefined, undefined, undefined]);
    const r = tokenize('for i in 0..16 { 1.max(2); }', 'rust');
    assert.deepEqual(r.filter((t) => t.kind === 'number').map((t) => t.value), [0n, 16n, 1n, 2n]);
    assert.ok(r.some((t) => t.text === '..'));
  });

  test('comments and strings are skipped: their constants are not code', () => {
    const c = 'x = VIRTIO_A; // VIRTIO_B\n/* VIRTIO_C\n */ y = "VIRTIO_D \\" VIRTIO_E"; z = \'\\\'\'; w = L"VIRTIO_F"; v = VIRTIO_G;';
    assert.deepEqual(idents(c), ['x', 'VIRTIO_A', 'y', 'z', 'w', 'v', 'VIRTIO_G']);
    const cpp = 'auto s = R"x(VIRTIO_A )" still )x"; VIRTIO_B;';
    assert.deepEqual(idents(cpp), ['auto', 's', 'VIRTIO_B']);
  });

  test('Rust: nested block comments, raw and byte strings, chars vs lifetimes', () => {
    const src = "/* a /* VIRTIO_A */ VIRTIO_B */ fn f<'a>(x: &'a u8) { let s = r#\"VIRTIO_C \"# ; let b = b\"VIRTIO_D\"; let c = 'x'; let q = '\\''; VIRTIO_E }";
    assert.deepEqual(idents(src, 'rust'), ['fn', 'f', 'x', 'u8', 'let', 's', 'let', 'b', 'let', 'c', 'let', 'q', 'VIRTIO_E']);
  });

  test('#include lines name files, not constants; other directives are code', () => {
    assert.deepEqual(idents('#include <linux/virtio_net.h>\n#define VIRTIO_X 15\n'), ['define', 'VIRTIO_X']);
  });

  test('Rust paths are identifiers joined by :: tokens; -> and operators are single tokens', () => {
    const t = tokenize('Features::MRG_RXBUF | a->b <<= 2', 'rust').map((x) => x.text);
    assert.deepEqual(t, ['Features', '::', 'MRG_RXBUF', '|', 'a', '->', 'b', '<<=', '2']);
  });

  test('offsets point into the text', () => {
    const text = 'desc->flags = 0x3u;';
    for (const t of tokenize(text, 'c')) assert.equal(text.slice(t.start, t.end), t.text);
  });

  test('unterminated comments and strings end at the end of the text without throwing', () => {
    assert.deepEqual(idents('a /* VIRTIO_X'), ['a']);
    assert.deepEqual(idents('a = "VIRTIO_X'), ['a']);
    assert.deepEqual(idents("x = 'y\nVIRTIO_Z"), ['x', 'VIRTIO_Z']);
  });

  test('integerValue rejects malformed literals', () => {
    assert.equal(integerValue('0x', 'c'), undefined);
    assert.equal(integerValue('09', 'c'), undefined);
    assert.equal(integerValue('0b102', 'rust'), undefined);
    assert.equal(integerValue('1f32', 'rust'), undefined);
  });
});

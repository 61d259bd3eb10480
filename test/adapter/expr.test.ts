import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpr, ExprError, names } from '../../adapter/expr/parse';
import { isTrue, evaluate } from '../../adapter/expr/evaluate';
import { globToRegExp, parseHitCondition } from '../../adapter/expr/hit-condition';

const vals: Record<string, string | number | boolean> = {
  'req.type': 'OUT',
  'req.sector': 4096,
  'req.len': 4096,
  'chain.descs': 3,
  'pkt.ip.dst': '10.0.2.2',
  'pkt.eth.type': 'IPv4',
  flags: 0x6,
};
const lookup = (p: string) => vals[p];

test('conditions over chain fields', () => {
  assert.equal(isTrue(parseExpr('req.type == "OUT" && req.sector >= 2048'), lookup), true);
  assert.equal(isTrue(parseExpr("req.type == 'out'"), lookup), true, 'strings compare case-insensitively');
  assert.equal(isTrue(parseExpr('req.type == "IN" || chain.descs > 2'), lookup), true);
  assert.equal(isTrue(parseExpr('!(req.sector < 0x1000)'), lookup), true);
  assert.equal(isTrue(parseExpr('pkt.ip.dst == "10.0.2.2"'), lookup), true);
  assert.equal(isTrue(parseExpr('(flags & 4) != 0'), lookup), true);
  assert.equal(isTrue(parseExpr('req.len == 4_096'), lookup), true);
});

test('missing names make comparisons false (except !=)', () => {
  assert.equal(isTrue(parseExpr('pkt.arp.op == 1'), lookup), false);
  assert.equal(isTrue(parseExpr('pkt.arp.op != 1'), lookup), true);
  assert.equal(evaluate(parseExpr('pkt.arp.op > 1'), lookup), false);
});

test('parse errors name the column', () => {
  for (const [src, re] of [
    ['req.type = "OUT"', /'=' .*column 10/],
    ['req.sector >= ', /end of expression at column 15/],
    ['(req.len > 1', /expected '\)'.*column 13/],
    ['req.type == "OUT', /unterminated string at column 13/],
    ['', /empty expression/],
    ['a b', /unexpected 'b' at column 3/],
  ] as const) {
    assert.throws(() => parseExpr(src), (e: unknown) => e instanceof ExprError && re.test(e.message), src);
  }
});

test('names() lists every referenced name', () => {
  assert.deepEqual(
    names(parseExpr('req.type == "IN" && (chain.descs > 1 || pkt.ip.dst == "1.2.3.4")')).map((n) => n.path),
    ['req.type', 'chain.descs', 'pkt.ip.dst'],
  );
});

test('hit conditions and thread globs', () => {
  const five = parseHitCondition('5') as (h: number) => boolean;
  assert.deepEqual([4, 5, 6].map(five), [false, true, false]);
  const every3 = parseHitCondition('% 3') as (h: number) => boolean;
  assert.deepEqual([1, 2, 3, 6].map(every3), [false, false, true, true]);
  assert.equal((parseHitCondition('>= 2') as (h: number) => boolean)(2), true);
  assert.match(parseHitCondition('often') as string, /not understood/);
  assert.ok(globToRegExp('net0.*').test('net0.receiveq1'));
  assert.ok(!globToRegExp('net0.*').test('blk0.requestq1'));
  assert.ok(globToRegExp('*').test('blk0.requestq1'));
  assert.ok(globToRegExp('blk?.requestq1').test('blk0.requestq1'));
});

// Generates the parts of package.json's launch schema that come from the engine: the rule ids that
// `workload.violation` accepts (enum + descriptions from engine/rules). Run by scripts/build.mjs;
// `node scripts/gen-schema.mjs --check` exits 1 when package.json is stale (test/adapter/launch-schema.test.ts).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgPath = join(root, 'package.json');

async function rules() {
  const out = await build({ entryPoints: [join(root, 'engine/rules/index.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'warning' });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
  return module.exports.allRules();
}

export async function generate(pkg) {
  const list = await rules();
  const launch = pkg.contributes.debuggers.find((d) => d.type === 'virtio').configurationAttributes.launch;
  launch.properties.workload.properties.violation = {
    type: 'string',
    description: 'Commit this spec violation on purpose, to see what the debugger reports (a rule id of the catalogue).',
    enum: list.map((r) => r.id),
    enumDescriptions: list.map((r) => `§${r.section} (${r.severity}): ${r.rule}`),
  };
  return pkg;
}

const text = readFileSync(pkgPath, 'utf8');
const next = JSON.stringify(await generate(JSON.parse(text)), null, 2) + '\n';
if (process.argv.includes('--check')) {
  if (next !== text) {
    process.stderr.write('package.json: the workload.violation schema is stale; run node scripts/gen-schema.mjs\n');
    process.exit(1);
  }
} else if (next !== text) {
  writeFileSync(pkgPath, next);
  process.stdout.write('package.json: workload.violation schema regenerated from engine/rules\n');
}

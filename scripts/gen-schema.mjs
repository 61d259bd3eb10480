// Generates the parts of package.json's launch schema that come from the code: the rule ids that
// `workload.violation` accepts (enum + descriptions from engine/rules), and the device types with their
// attributes (each adapter device kind's `launchSchema`, adapter/runtime/kinds). Run by scripts/build.mjs;
// `node scripts/gen-schema.mjs --check` exits 1 when package.json is stale (test/adapter/launch-schema.test.ts).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgPath = join(root, 'package.json');

async function load(entry) {
  const out = await build({ entryPoints: [join(root, entry)], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'warning', external: ['*.node'] });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', '__dirname', out.outputFiles[0].text)(module, module.exports, createRequire(join(root, entry)), join(root, dirname(entry)));
  return module.exports;
}

async function rules() {
  return (await load('engine/rules/index.ts')).allRules();
}

async function kinds() {
  return (await load('adapter/runtime/kinds/index.ts')).allDeviceKinds().filter((k) => k.launchSchema);
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
  const items = launch.properties.devices.items;
  const listed = await kinds();
  const { type, id, queues, queueSize } = items.properties;
  items.properties = {
    type: { ...type, enum: listed.map((k) => k.engine.type), enumDescriptions: listed.map((k) => k.launchSchema.description) },
    id,
    ...Object.assign({}, ...listed.map((k) => k.launchSchema.properties)),
    queues,
    queueSize,
  };
  return pkg;
}

const text = readFileSync(pkgPath, 'utf8');
const next = JSON.stringify(await generate(JSON.parse(text)), null, 2) + '\n';
if (process.argv.includes('--check')) {
  if (next !== text) {
    process.stderr.write('package.json: the generated launch schema (workload.violation, devices) is stale; run node scripts/gen-schema.mjs\n');
    process.exit(1);
  }
} else if (next !== text) {
  writeFileSync(pkgPath, next);
  process.stdout.write('package.json: launch schema regenerated from engine/rules and the device kinds\n');
}

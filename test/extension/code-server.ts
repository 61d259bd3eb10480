// code-server for the extension tests (docs/architecture.md, "Measured facts"): installed once into a cache outside the repository by
// scripts/install-code-server.sh, then started per test run with every per-user directory (HOME, XDG dirs, TMPDIR,
// user data, extensions) inside one throw-away run folder.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CodeServerInstall {
  /** Node 24 binary code-server runs on (its extension host, and so our adapter, run on it too). */
  node: string;
  /** code-server's out/node/entry.js. */
  entry: string;
  version: string;
  /** Seconds the install script took (a few minutes cold, well under a second cached). */
  seconds: number;
}

let installing: Promise<CodeServerInstall> | undefined;

/** Runs install-code-server.sh (cached: instant; cold: a few minutes); once per process. */
export function installCodeServer(): Promise<CodeServerInstall> {
  installing ??= new Promise<CodeServerInstall>((resolve, reject) => {
    const started = Date.now();
    const script = join(__dirname, '..', '..', 'scripts', 'install-code-server.sh');
    execFile('bash', [script], { maxBuffer: 1 << 20, timeout: 15 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`scripts/install-code-server.sh failed (${err.message.split('\n')[0]}):\n${stderr}`));
        return;
      }
      const out: Record<string, string | undefined> = {};
      for (const m of stdout.matchAll(/^(\w+)=(.*)$/gm)) out[m[1] as string] = m[2];
      if (!out.node || !out.code_server || !out.version) {
        reject(new Error(`scripts/install-code-server.sh printed no node/code_server:\n${stdout}${stderr}`));
        return;
      }
      resolve({ node: out.node, entry: out.code_server, version: out.version, seconds: (Date.now() - started) / 1000 });
    });
  });
  return installing;
}

/** The per-run folders; everything code-server or VS Code writes lands below `root`. */
export interface RunDirs {
  root: string;
  home: string;
  userData: string;
  extensions: string;
  tmp: string;
}

export function runDirs(root: string): RunDirs {
  const dirs = { root, home: join(root, 'home'), userData: join(root, 'user-data'), extensions: join(root, 'extensions'), tmp: join(root, 'tmp') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return dirs;
}

/** HOME, XDG dirs and TMPDIR inside the run folder: no trace in the real home, nothing shared between runs. */
export function isolatedEnv(dirs: RunDirs): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    XDG_STATE_HOME: join(dirs.home, '.local', 'state'),
    TMPDIR: dirs.tmp,
  };
}

/** Settings that keep the workbench quiet and offline: no welcome page, chat, update or gallery checks, git. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
};

function codeServerArgs(install: CodeServerInstall, dirs: RunDirs): string[] {
  return [install.entry, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

/** Installs a .vsix into the run's extensions folder (code-server --install-extension). */
export function installExtension(install: CodeServerInstall, dirs: RunDirs, vsix: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(install.node, [...codeServerArgs(install, dirs), '--install-extension', vsix], { env: isolatedEnv(dirs), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err || !/successfully installed/.test(stdout)) {
        reject(new Error(`code-server --install-extension ${vsix} failed (${err?.message.split('\n')[0] ?? 'no success line'}):\n${stdout}${stderr}`));
      } else {
        resolve();
      }
    });
  });
}

export interface RunningCodeServer {
  url: string;
  /** The last lines code-server printed (for failure messages). */
  output(): string;
  /** Stops code-server and everything it started (extension host, language server, debug adapter). */
  stop(): Promise<void>;
}

/** Starts code-server on a free port of 127.0.0.1, without authentication, on `folder`. */
export function startCodeServer(install: CodeServerInstall, dirs: RunDirs, folder: string): Promise<RunningCodeServer> {
  const settingsDir = join(dirs.userData, 'User');
  mkdirSync(settingsDir, { recursive: true });
  writeFileSync(join(settingsDir, 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const args = [
    ...codeServerArgs(install, dirs),
    '--bind-addr', '127.0.0.1:0',
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    folder,
  ];
  // Its own process group: stop() ends code-server and all its children by the group id.
  const child: ChildProcess = spawn(install.node, args, { env: isolatedEnv(dirs), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (d: Buffer): void => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const signal = (s: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    signal('SIGKILL'); // children that ignored SIGTERM
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`code-server did not start listening within 60 s:\n${log}`));
    }, 60_000);
    const check = (): void => {
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      resolve({ url: m[1]!, output: () => log, stop });
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code ?? sig}) before listening:\n${log}`));
    });
  });
}

/**
 * One workbench (code-server + Chromium, ~1.2 GiB and both cores while it boots) at a time across test
 * processes: two test files driving VS Code side by side on a 2-core machine starved each other's UI into
 * time-outs. The lock is a directory holding the owner's pid; a lock whose owner died is taken over.
 */
const WORKBENCH_LOCK = join(tmpdir(), 'virtio-debug-workbench.lock');

export async function lockWorkbench(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(WORKBENCH_LOCK);
      writeFileSync(join(WORKBENCH_LOCK, 'pid'), String(process.pid));
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        rmSync(WORKBENCH_LOCK, { recursive: true, force: true });
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!ownerAlive()) rmSync(WORKBENCH_LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function ownerAlive(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(WORKBENCH_LOCK, 'pid'), 'utf8'));
  } catch {
    // Just created, pid not yet written: alive, unless the folder is old (its owner died in between).
    try {
      return Date.now() - statSync(WORKBENCH_LOCK).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

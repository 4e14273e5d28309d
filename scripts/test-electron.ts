/**
 * `npm run test:electron`: the Electron end-to-end tests (test/electron-app/, run with
 * vitest.electron.config.ts) against the real binary. Where the binary is found it builds the
 * app and runs them; the exit code is theirs. Where it is not (it is downloaded on first use,
 * which fails offline) it prints one line saying so and exits 1: a request that can't be
 * honoured must not look like a pass. `npm test` calls it with --from-npm-test, where the same
 * line is printed and the run goes on (exit 0), so the suite never passes them silently.
 *
 * Usage: tsx scripts/test-electron.ts [--from-npm-test] [vitest args, e.g. a test file]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './start.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FROM_NPM_TEST = '--from-npm-test';

export const NOT_RUN_PREFIX = 'Electron end-to-end tests not run: ';

/** The one line printed where the binary is missing, naming where it was looked for. */
export function notRunLine(env: NodeJS.ProcessEnv = process.env): string {
  const why = env.ELECTRON_OVERRIDE_DIST_PATH
    ? `ELECTRON_OVERRIDE_DIST_PATH (${env.ELECTRON_OVERRIDE_DIST_PATH}) holds no Electron binary`
    : 'the Electron binary is not installed (node_modules/electron/dist is missing; it cannot be downloaded offline)';
  return `${NOT_RUN_PREFIX}${why}. Run \`npm run test:electron\` on a machine with the binary.`;
}

/** Runs a command with our stdio; resolves with its exit code (1 when it died of a signal). */
function run(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Whether a program is on PATH, asked the way the shell would. */
function onPath(program: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function main(argv: string[]): Promise<number> {
  const fromNpmTest = argv.includes(FROM_NPM_TEST);
  const vitestArgs = argv.filter((a) => a !== FROM_NPM_TEST);
  if (!findElectronBinary(ROOT)) {
    process.stdout.write(`${notRunLine()}\n`);
    return fromNpmTest ? 0 : 1;
  }
  const built = await run('npm', ['run', 'build']);
  if (built !== 0) return built;
  const vitest = [path.join(ROOT, 'node_modules', '.bin', 'vitest'), 'run', '--config', 'vitest.electron.config.ts', ...vitestArgs];
  // Electron on Linux needs a display; a machine without one (CI) gets a virtual X server.
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    if (!(await onPath('xvfb-run'))) {
      process.stderr.write('test-electron: no display and no xvfb-run: install xvfb (apt-get install -y xvfb) or run under a desktop session\n');
      return 1;
    }
    return run('xvfb-run', ['--auto-servernum', '--server-args=-screen 0 1920x1080x24', ...vitest]);
  }
  return run(vitest[0]!, vitest.slice(1));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`test-electron failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

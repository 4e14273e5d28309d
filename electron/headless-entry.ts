/**
 * The release bundle's headless entry (dist/electron/headless.js). Loading the app's packages
 * takes about half a second, and so does starting the demo venues, which run in a process of
 * their own: so the demo venues are started first, and the app loads while they come up. This
 * module imports nothing but Node and the demo launcher; the app comes in by a literal
 * `import()`, which the bundle splits into chunks loaded only then.
 */
import { parseArgs } from 'node:util';
import type { DemoLauncher } from './app/demo-venues.js';
import { nodeDemoLauncher, prestartedLauncher } from './app/demo-venues.js';

const argv = process.argv.slice(2);

/** The demo venues' arguments as the app will ask for them, or undefined when it won't start them (or the flags are wrong: the CLI says so). */
function demoArgs(): string[] | undefined {
  try {
    const { values } = parseArgs({ args: argv, options: { seed: { type: 'string' }, 'demo-from': { type: 'string' }, gateway: { type: 'string' } }, strict: false });
    // A console (--gateway) runs no venues.
    if (values['demo-from'] !== undefined || values.gateway !== undefined) return undefined;
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    return typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 ? ['--seed', String(seed)] : undefined;
  } catch {
    return undefined;
  }
}

const args = demoArgs();
const demoLauncher: DemoLauncher | undefined = args ? prestartedLauncher(args, nodeDemoLauncher()) : undefined;
const { runHeadlessScript } = await import('./headless.js');
runHeadlessScript(argv, demoLauncher ? { demoLauncher } : {});

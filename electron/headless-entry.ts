/**
 * The release bundle's headless entry (dist/electron/headless.js). Loading the app's packages
 * takes about half a second, and so does starting the demo venues, which run in a process of
 * their own: so the demo venues are started first, and the app loads while they come up. This
 * module imports nothing but Node and the demo launcher; the app comes in by a literal
 * `import()`, which the bundle splits into chunks loaded only then.
 */
import type { DemoLauncher } from './app/demo-venues.js';
import { demoArgsOf, nodeDemoLauncher, prestartedLauncher } from './app/demo-venues.js';

const argv = process.argv.slice(2);
const args = demoArgsOf(argv, { optIn: false });
const demoLauncher: DemoLauncher | undefined = args ? prestartedLauncher(args, nodeDemoLauncher()) : undefined;
const { runHeadlessScript } = await import('./headless.js');
runHeadlessScript(argv, demoLauncher ? { demoLauncher } : {});

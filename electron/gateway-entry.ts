/**
 * The gateway's entry (`npm run gateway`, and dist/electron/gateway.js in the release bundle).
 * As the headless entry does, it starts the demo venues (--demo) before the app's packages load.
 */
import type { DemoLauncher } from './app/demo-venues.js';
import { demoArgsOf, nodeDemoLauncher, prestartedLauncher } from './app/demo-venues.js';

const argv = process.argv.slice(2);
const args = demoArgsOf(argv, { optIn: true });
const demoLauncher: DemoLauncher | undefined = args ? prestartedLauncher(args, nodeDemoLauncher()) : undefined;
const { runGatewayScript } = await import('./gateway-cli.js');
runGatewayScript(argv, demoLauncher ? { demoLauncher } : {});

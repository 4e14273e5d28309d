/**
 * The gateway's entry (`npm run gateway`, and dist/electron/gateway.js in the release bundle).
 * As the headless entry does, it starts the demo venues (--demo) before the app's packages load.
 */
import { parseArgs } from 'node:util';
import type { DemoLauncher } from './app/demo-venues.js';
import { nodeDemoLauncher, prestartedLauncher } from './app/demo-venues.js';

const argv = process.argv.slice(2);

/** The demo venues' arguments when --demo asks for them (the CLI checks the flags). */
function demoArgs(): string[] | undefined {
  try {
    const { values } = parseArgs({ args: argv, options: { demo: { type: 'boolean' }, seed: { type: 'string' }, 'demo-from': { type: 'string' } }, strict: false });
    if (values.demo !== true || values['demo-from'] !== undefined) return undefined;
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    return typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 ? ['--seed', String(seed)] : undefined;
  } catch {
    return undefined;
  }
}

const args = demoArgs();
const demoLauncher: DemoLauncher | undefined = args ? prestartedLauncher(args, nodeDemoLauncher()) : undefined;
const { runGatewayScript } = await import('./gateway-cli.js');
runGatewayScript(argv, demoLauncher ? { demoLauncher } : {});

/**
 * `npm run sim`: starts the local venues in this process and prints one JSON line per venue
 * on stdout — the ready signal demo mode reads. Nothing else goes to stdout; logs go to stderr.
 *
 *   --seed N                 market seed (default 1)
 *   --tinvest-port P         0 = any free port (default)
 *   --tls                    serve TLS (https/wss for Kraken) with a fresh self-signed certificate per venue (caPem in the line)
 *   --tinvest-drop-every S   end every T-Invest stream (market data and orders) every S seconds (UNAVAILABLE)
 *   --tinvest-stall-every S  every S seconds, stall T-Invest streams for S/2 seconds
 *   --tinvest-lose-reply-rate P   lose the reply of that share (0..1) of executed T-Invest order commands
 *   --tinvest-lose-reply-shape X  how: hang | UNAVAILABLE | CANCELLED | mix (default mix)
 *   --tinvest-limit NAME=N   a T-Invest budget instead of the venue table (repeatable): PostOrder=10, OrderStateStream=2
 *   --tinvest-cash RUB       rouble cash of each T-Invest brokerage account at start (default 1000000)
 *   --kraken-port P          0 = any free port (default)
 *   --kraken-drop-every S    terminate every Kraken WebSocket every S seconds
 *   --kraken-stall-every S   every S seconds, stall Kraken sockets for S/2 seconds
 *   --kraken-corrupt-every S every S seconds, corrupt one Kraken book checksum
 *   --kraken-malformed-every S  every S seconds, send malformed frames on every Kraken socket
 *   --kraken-unavailable N   the next N private REST calls answer EService:Unavailable
 *   --kraken-lose-reply-rate P  lose the reply of that share (0..1) of executed Kraken order and cancel commands
 *   --exit-with-parent HOW   end when the process that started this one dies, even by SIGKILL
 *                            (the app's demo venues). HOW: ppid = when re-parented (POSIX);
 *                            stdin = also when the stdin pipe the parent holds closes
 */
import { parseArgs } from 'node:util';
import { startTInvestSim } from './tinvest/server.js';
import type { LostReplyShape } from './tinvest/server.js';
import { startKrakenSim } from './kraken/server.js';
import { krakenReadyLine, tinvestReadyLine } from './ready-lines.js';

interface StartedVenue {
  /** The ready line: what a client needs to connect. */
  line: Record<string, unknown>;
  close(): Promise<void>;
}

function numberFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} wants a non-negative number, got ${JSON.stringify(value)}`);
  return n;
}

function isLostReplyShape(s: string): s is LostReplyShape | 'mix' {
  return s === 'hang' || s === 'UNAVAILABLE' || s === 'CANCELLED' || s === 'mix';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      'tinvest-port': { type: 'string' },
      tls: { type: 'boolean', default: false },
      'tinvest-drop-every': { type: 'string' },
      'tinvest-stall-every': { type: 'string' },
      'tinvest-lose-reply-rate': { type: 'string' },
      'kraken-lose-reply-rate': { type: 'string' },
      'tinvest-lose-reply-shape': { type: 'string' },
      'tinvest-limit': { type: 'string', multiple: true },
      'tinvest-cash': { type: 'string' },
      'kraken-port': { type: 'string' },
      'kraken-drop-every': { type: 'string' },
      'kraken-stall-every': { type: 'string' },
      'kraken-corrupt-every': { type: 'string' },
      'kraken-malformed-every': { type: 'string' },
      'kraken-unavailable': { type: 'string' },
      'exit-with-parent': { type: 'string' },
    },
    strict: true,
  });
  const seed = numberFlag(values.seed, 'seed', 1);
  const tls = values.tls === true;
  const timers: NodeJS.Timeout[] = [];
  const venues: StartedVenue[] = [];

  // ---- T-Invest ----
  const limits: Record<string, number> = {};
  for (const entry of values['tinvest-limit'] ?? []) {
    const [name, n] = entry.split('=');
    if (!name || n === undefined) throw new Error(`--tinvest-limit wants NAME=N, got ${JSON.stringify(entry)}`);
    limits[name] = numberFlag(n, 'tinvest-limit', 0);
  }
  const tinvest = await startTInvestSim({
    seed,
    port: numberFlag(values['tinvest-port'], 'tinvest-port', 0),
    tls,
    limits,
    ...(values['tinvest-cash'] !== undefined ? { cash: values['tinvest-cash'] } : {}),
  });
  const loseRate = numberFlag(values['tinvest-lose-reply-rate'], 'tinvest-lose-reply-rate', 0);
  if (loseRate > 1) throw new Error(`--tinvest-lose-reply-rate wants a number in 0..1, got ${loseRate}`);
  tinvest.faults.loseReplyRate = loseRate;
  const shape = values['tinvest-lose-reply-shape'] ?? 'mix';
  if (!isLostReplyShape(shape)) throw new Error(`--tinvest-lose-reply-shape wants hang, UNAVAILABLE, CANCELLED or mix, got ${JSON.stringify(shape)}`);
  tinvest.faults.loseReplyShape = shape;
  venues.push({ line: tinvestReadyLine(tinvest), close: () => tinvest.close() });
  const dropEvery = numberFlag(values['tinvest-drop-every'], 'tinvest-drop-every', 0);
  if (dropEvery > 0) {
    timers.push(
      setInterval(() => {
        const n = tinvest.faults.dropStreams('UNAVAILABLE');
        process.stderr.write(`tinvest: dropped ${n} stream(s)\n`);
      }, dropEvery * 1000),
    );
  }
  const stallEvery = numberFlag(values['tinvest-stall-every'], 'tinvest-stall-every', 0);
  if (stallEvery > 0) {
    timers.push(
      setInterval(() => {
        tinvest.faults.stallStreams(true);
        process.stderr.write('tinvest: streams stalled\n');
        const t = setTimeout(() => {
          tinvest.faults.stallStreams(false);
          process.stderr.write('tinvest: streams resumed\n');
        }, (stallEvery * 1000) / 2);
        timers.push(t);
      }, stallEvery * 1000),
    );
  }

  // ---- Kraken ----
  const krakenLoseRate = numberFlag(values['kraken-lose-reply-rate'], 'kraken-lose-reply-rate', 0);
  if (krakenLoseRate > 1) throw new Error(`--kraken-lose-reply-rate wants a number in 0..1, got ${krakenLoseRate}`);
  const kraken = await startKrakenSim({ seed, port: numberFlag(values['kraken-port'], 'kraken-port', 0), tls, loseReplyRate: krakenLoseRate });
  venues.push({ line: krakenReadyLine(kraken), close: () => kraken.close() });
  const every = (flag: string, act: () => void): void => {
    const s = numberFlag(values[flag as keyof typeof values] as string | undefined, flag, 0);
    if (s > 0) timers.push(setInterval(act, s * 1000));
  };
  every('kraken-drop-every', () => {
    kraken.faults.dropSockets();
    process.stderr.write('kraken: dropped sockets\n');
  });
  every('kraken-stall-every', () => {
    kraken.faults.stall(true);
    const s = numberFlag(values['kraken-stall-every'], 'kraken-stall-every', 0);
    timers.push(setTimeout(() => kraken.faults.stall(false), (s * 1000) / 2));
  });
  every('kraken-corrupt-every', () => kraken.faults.corruptNextBookChecksum());
  every('kraken-malformed-every', () => kraken.faults.sendMalformed());
  const unavailable = numberFlag(values['kraken-unavailable'], 'kraken-unavailable', 0);
  if (unavailable > 0) kraken.faults.restUnavailable(unavailable);

  for (const v of venues) process.stdout.write(`${JSON.stringify(v.line)}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sim: ${signal}, closing\n`);
    for (const t of timers) clearTimeout(t);
    void Promise.allSettled(venues.map((v) => v.close())).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const watch = values['exit-with-parent'];
  if (watch !== undefined && watch !== 'ppid' && watch !== 'stdin') throw new Error(`--exit-with-parent wants ppid or stdin, got ${JSON.stringify(watch)}`);
  if (watch !== undefined) exitWithParent(stop, watch === 'stdin');
}

/**
 * A parent killed without warning can't stop us, so we watch for it: the stdin pipe it holds
 * closes when it dies (a Node child), and on POSIX an orphan is re-parented, so a changed
 * ppid means the parent is gone (an Electron utility process has no stdin pipe).
 */
function exitWithParent(stop: (why: string) => void, stdin: boolean): void {
  if (stdin) {
    process.stdin.on('end', () => stop('parent gone (stdin closed)'));
    process.stdin.on('error', () => stop('parent gone (stdin error)'));
    process.stdin.resume();
  }
  const parent = process.ppid;
  if (process.platform !== 'win32') {
    setInterval(() => {
      if (process.ppid !== parent) stop('parent gone (re-parented)');
    }, 500).unref();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`sim: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/core/log.js';
import type { LogRecord } from '../../electron/core/log.js';
import { openAppLog, RotatingLogFile } from '../../electron/core/log-file.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sb-logfile-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function records(file: string): LogRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogRecord);
}

describe('the rotating log file', () => {
  it('rotates past the size, keeps `keep` old files, newest first, and drops the oldest', () => {
    const dir = path.join(tmp, 'logs');
    const file = new RotatingLogFile({ dir, maxBytes: 200, keep: 2 });
    const log = createLogger('rot', file.write);
    // Each line is ~90 bytes: two fit in 200, so every second line rotates.
    for (let i = 0; i < 10; i++) log.info(`line ${i}`);
    file.close();
    expect(readdirSync(dir).sort()).toEqual(['switchboard.1.log', 'switchboard.2.log', 'switchboard.log']);
    const msgs = (name: string): string[] => records(path.join(dir, name)).map((r) => r.msg);
    expect(msgs('switchboard.log')).toEqual(['line 8', 'line 9']);
    expect(msgs('switchboard.1.log')).toEqual(['line 6', 'line 7']);
    expect(msgs('switchboard.2.log')).toEqual(['line 4', 'line 5']);
    for (const name of readdirSync(dir)) expect(statSync(path.join(dir, name)).size).toBeLessThanOrEqual(200);
  });

  it('appends to the file a previous run left, and counts its size toward rotation', () => {
    const dir = path.join(tmp, 'logs');
    const first = new RotatingLogFile({ dir, maxBytes: 200, keep: 1 });
    createLogger('run1', first.write).info('from the first run');
    first.close();
    const second = new RotatingLogFile({ dir, maxBytes: 200, keep: 1 });
    const log = createLogger('run2', second.write);
    log.info('from the second run');
    second.close();
    expect(records(path.join(dir, 'switchboard.log')).map((r) => r.component)).toEqual(['run1', 'run2']);
    const third = new RotatingLogFile({ dir, maxBytes: 200, keep: 1 });
    createLogger('run3', third.write).info('this one no longer fits');
    third.close();
    expect(records(path.join(dir, 'switchboard.1.log')).map((r) => r.component)).toEqual(['run1', 'run2']);
    expect(records(path.join(dir, 'switchboard.log')).map((r) => r.component)).toEqual(['run3']);
  });

  it('is readable by its owner only: folder 0700, files 0600, also when they existed looser', () => {
    const app = openAppLog({ dataDir: tmp, component: 'perm', stderr: false, maxBytes: 150, keep: 1 });
    app.log.info('one');
    app.log.info('two, which rotates the first away');
    app.close();
    expect(statSync(app.folder).mode & 0o777).toBe(0o700);
    expect(statSync(app.file).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(app.folder, 'switchboard.1.log')).mode & 0o777).toBe(0o600);
    // A folder and file made looser by someone else are tightened on open.
    chmodSync(app.folder, 0o755);
    chmodSync(app.file, 0o644);
    openAppLog({ dataDir: tmp, component: 'perm', stderr: false }).close();
    expect(statSync(app.folder).mode & 0o777).toBe(0o700);
    expect(statSync(app.file).mode & 0o777).toBe(0o600);
  });

  it('writes the file at <dataDir>/logs/switchboard.log tagged with component and connection', () => {
    const app = openAppLog({ dataDir: tmp, component: 'where', stderr: false });
    app.log.child('kraken').forConnection('ws-public').warn('dropped');
    app.close();
    expect(app.file).toBe(path.join(tmp, 'logs', 'switchboard.log'));
    expect(existsSync(app.file)).toBe(true);
    expect(records(app.file)).toMatchObject([{ level: 'warn', component: 'where:kraken', connection: 'ws-public', msg: 'dropped' }]);
  });
});

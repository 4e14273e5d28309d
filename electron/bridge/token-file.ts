/**
 * The headless app's access token, kept in `<dataDir>/headless-token` (owner-only, in an
 * owner-only folder) so a restarted app takes the same token and an open tab reconnects.
 * What is read is checked: anything but a token as newToken() makes it is replaced (logged),
 * never used. `renew` replaces it on purpose (`--new-token`): tabs holding the old one are
 * then refused and say so.
 */
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { replaceFile } from '../core/replace-file.js';
import { isWellFormedToken, newToken } from './token.js';

export const TOKEN_FILE_NAME = 'headless-token';

export interface KeptTokenOptions {
  dataDir: string;
  /** Replace whatever is kept with a fresh token. */
  renew?: boolean;
  log?: Logger;
}

export interface KeptToken {
  token: string;
  file: string;
  /** Why a fresh token was written, when one was. */
  fresh?: 'missing' | 'malformed' | 'renewed';
}

function isMissing(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT';
}

export async function keptToken(opts: KeptTokenOptions): Promise<KeptToken> {
  const log = opts.log ?? silentLogger;
  const file = path.join(opts.dataDir, TOKEN_FILE_NAME);
  // The folder is the app's own: nobody else needs to list it.
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  await chmod(opts.dataDir, 0o700);
  let fresh: KeptToken['fresh'] = opts.renew ? 'renewed' : undefined;
  if (!fresh) {
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    const token = text?.trim();
    if (token !== undefined && isWellFormedToken(token)) {
      if (((await stat(file)).mode & 0o077) !== 0) {
        log.warn(`${file} was readable by others; made it owner-only`);
        await chmod(file, 0o600);
      }
      return { token, file };
    }
    fresh = text === undefined ? 'missing' : 'malformed';
    if (fresh === 'malformed') log.warn(`${file} does not hold a token (${text?.length ?? 0} characters); replacing it with a new one`);
  }
  const token = newToken();
  await replaceFile(file, `${token}\n`, 0o600);
  log.info(`wrote a new access token to ${file} (${fresh})`);
  return { token, file, fresh };
}

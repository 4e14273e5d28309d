/**
 * The "cancel my open orders when I quit" choice of each venue, kept across restarts in a
 * small file of the data folder (no secrets; owner-only anyway, like the mode selection).
 * Off for every venue unless the trader turned it on. The core sees it through
 * QuitSettingsStore; this file is the composition root's.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { VenueId } from '../../common/domain.js';
import { VENUE_IDS } from '../../common/domain.js';
import type { CancelOnQuit, QuitSettingsStore } from '../core/quit-settings.js';
import { noneCancelOnQuit } from '../core/quit-settings.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { replaceFile } from '../core/replace-file.js';

export const QUIT_SETTINGS_FILE = 'quit-settings.json';

const fileSchema = z.object({ v: z.literal(1), cancelOnQuit: z.partialRecord(z.enum(VENUE_IDS), z.boolean()) }).strict();

/** Reads the file once (a missing or unreadable one means every venue off, the latter logged). */
export async function loadQuitSettings(file: string, log: Logger = silentLogger): Promise<QuitSettingsStore> {
  const state = { ...noneCancelOnQuit(), ...(await readChoice(file, log)) };
  /** Writes one at a time, each the whole state, so the file ends as the last choice. */
  let queue: Promise<unknown> = Promise.resolve();
  return {
    get: () => ({ ...state }),
    set: (venue: VenueId, on: boolean): Promise<CancelOnQuit> => {
      const run = queue.then(async () => {
        const next = { ...state, [venue]: on };
        await replaceFile(file, `${JSON.stringify({ v: 1, cancelOnQuit: next })}\n`, 0o600);
        // Only once kept: a failed write changes nothing, here or on disk.
        state[venue] = on;
        return { ...state };
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

async function readChoice(file: string, log: Logger): Promise<Partial<CancelOnQuit>> {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) return parsed.data.cancelOnQuit;
    log.warn(`ignoring ${file}: not quit settings; every venue keeps its open orders on quit`);
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) log.warn(`ignoring ${file}; every venue keeps its open orders on quit`, err);
  }
  return {};
}


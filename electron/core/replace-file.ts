/**
 * Replacing a small file whole, durably: a crash leaves the old content or the new, never half
 * of either, and once this resolves the new content survives a power cut. The one way the app
 * writes its small files (venue modes, quit settings, the credential index, the token, the
 * encrypted credentials).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Writes `text` to a hidden sibling temp file with `mode`, syncs it, renames it over `file`, syncs the folder. */
export async function replaceFile(file: string, text: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx': never through a planted file or link of the same name.
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** Makes the rename durable on Linux; Windows can't open a folder, and that is fine. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

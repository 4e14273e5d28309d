/**
 * The code as it stood before a change, so a figure can stand beside "before" measured in the
 * same run on the same machine. `git archive` of one commit's adapter and sim sources into
 * bench/.baseline/<commit>/ (ignored by git, lint and tsc); import its modules from there. It
 * resolves packages from the project's node_modules, so the same library versions run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** main before the hostile-wire work (issue 9): the figures its validation is held against. */
export const BEFORE_VALIDATION = 'a6bb836';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The tree of `commit` (electron/, sim/, proto/), extracted once; its absolute path. */
export function baselineTree(commit = BEFORE_VALIDATION): string {
  const dir = join(ROOT, 'bench', '.baseline', commit);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', commit, 'electron', 'sim', 'proto'], { cwd: ROOT, maxBuffer: 256 << 20 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  execFileSync('touch', [join(dir, '.complete')]);
  return dir;
}

/** Imports a module of the baseline tree by its repo-relative path ("electron/venues/kraken/adapter.ts"). */
export async function importBaseline<T>(path: string, commit = BEFORE_VALIDATION): Promise<T> {
  return (await import(pathToFileURL(join(baselineTree(commit), path)).href)) as T;
}

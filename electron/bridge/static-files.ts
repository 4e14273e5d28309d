/**
 * Reading the built renderer for either transport (HTTP in headless mode, the app:// protocol
 * in Electron): only files under the root, no traversal, a content type by extension.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** The file `urlPath` names under `rootDir` ("/" is index.html), or undefined when there is none. */
export async function readStaticFile(rootDir: string, urlPath: string): Promise<StaticFile | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const rel = path.posix.normalize(decoded === '/' || decoded === '' ? '/index.html' : decoded).replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep)) return undefined;
  try {
    if (!(await stat(file)).isFile()) return undefined;
    const body = await readFile(file);
    return { body, contentType: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' };
  } catch {
    return undefined;
  }
}

/**
 * The release configuration, checked offline: against electron-builder's own JSON schema
 * (an unknown key aborts a real build, and would only be found on a packaging machine), by
 * electron-builder's own validator, and for the settings that make the release safe.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;
const section = (obj: Json, key: string): Json => (obj[key] ?? {}) as Json;

const configPath = join(root, 'build', 'electron-builder.json');
const config = readJson(configPath);
const schema = readJson(require.resolve('app-builder-lib/scheme.json'));

function compileScheme(): ValidateFunction {
  // Strict mode stays on so a keyword ajv doesn't know is an error, not silently ignored;
  // the scheme's one custom keyword, `typeof` (for hook functions), gets a real check.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, strictTuples: false });
  ajv.addKeyword({
    keyword: 'typeof',
    schemaType: 'string',
    validate: (expected: string, data: unknown) => typeof data === expected,
  });
  return ajv.compile(schema);
}

describe('build/electron-builder.json', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = compileScheme();
  });

  it('matches app-builder-lib/scheme.json', () => {
    const ok = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('fails the schema on an unknown key, at the top or nested', () => {
    expect(validate({ ...config, electronFuse: {} })).toBe(false);
    expect(validate.errors?.[0]?.keyword).toBe('additionalProperties');
    const mac = section(config, 'mac');
    expect(validate({ ...config, mac: { ...mac, hardenRuntime: true } })).toBe(false);
    const fuses = section(config, 'electronFuses');
    expect(validate({ ...config, electronFuses: { ...fuses, runAsNodes: false } })).toBe(false);
  });

  it('passes the validator electron-builder itself runs before a build', async () => {
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), nsiss: {} } as never, new DebugLogger(false))).rejects.toThrow(
      /nsiss/,
    );
  });

  it('names the product and writes to release/ from the built files only, in an asar', () => {
    expect(config['productName']).toBe('Switchboard');
    expect(config['appId']).toMatch(/^[a-z][\w-]*(\.[a-z][\w-]*)+$/);
    expect(section(config, 'directories')['output']).toBe('release');
    // The bundles (main, preload, headless, the demo venues), not the bench's builds under dist/.
    // What the app is made of, and only better-sqlite3's sources and build leftovers left out of node_modules.
    expect(config['files']).toEqual([
      'dist/electron/**',
      'dist/sim/**',
      'renderer/dist/**',
      'proto/**',
      'package.json',
      '!node_modules/better-sqlite3/{deps,src}/**',
      '!node_modules/better-sqlite3/build/Release/{obj,obj.target,.deps}/**',
      '!node_modules/better-sqlite3/build/Release/test_extension.node',
    ]);
    expect(config['asar']).toBe(true);
  });

  it('builds AppImage and a deb whose maintainer has an email', () => {
    const linux = section(config, 'linux');
    expect(linux['target']).toEqual(['AppImage', 'deb']);
    expect(linux['category']).toMatch(/\S/);
    // dpkg needs "Name <email>"; electron-builder falls back to package.json author, which we don't set.
    const maintainer = section(config, 'deb')['maintainer'] ?? linux['maintainer'];
    expect(maintainer).toMatch(/^[^<>]+ <[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>$/);
  });

  it('signs the mac build with the hardened runtime and JIT as its only entitlement', () => {
    const mac = section(config, 'mac');
    expect(mac['target']).toBe('dmg');
    expect(mac['hardenedRuntime']).toBe(true);
    expect(mac['gatekeeperAssess']).toBe(false);
    for (const key of ['entitlements', 'entitlementsInherit']) {
      const plist = readFileSync(join(root, String(mac[key])), 'utf8');
      const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
      expect(keys, key).toEqual(['com.apple.security.cs.allow-jit']);
      expect(plist).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    }
  });

  it('builds an NSIS installer for Windows', () => {
    expect(section(config, 'win')['target']).toBe('nsis');
  });

  it('burns the release fuses: no run-as-node, NODE_OPTIONS or inspector; asar only, integrity checked', () => {
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // electron-builder loads @electron/fuses to flip them; it must be there to load.
    expect(() => require.resolve('@electron/fuses', { paths: [require.resolve('app-builder-lib')] })).not.toThrow();
  });

  it('applies the fuses to the release build only: npm run dist, not the dev or e2e Electron', () => {
    const pkg = readJson(join(root, 'package.json'));
    // A `build` key in package.json would be merged into every electron-builder run.
    expect(pkg['build']).toBeUndefined();
    const scripts = section(pkg, 'scripts');
    const users = Object.entries(scripts).filter(([, cmd]) => String(cmd).includes('build/electron-builder.json'));
    expect(users.map(([name]) => name)).toEqual(['dist']);
  });
});

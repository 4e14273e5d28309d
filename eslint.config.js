// Boundaries between the worlds are enforced here: only the Electron glue imports
// `electron`; the renderer imports no Node and only types from the bridge contract; and the
// house's layers, one rule per "never" arrow (ARCHITECTURE.md, "Layers enforced by lint"):
//   renderer → core / bridge / venues / vault    core → bridge / venues / vault
//   a venue → bridge / core / another venue      sim → electron/venues      net → venues
//   store → core / bridge / venues / vault    inspector → bridge / venues / vault
//   metrics → venues / vault                  alerts → bridge / venues / vault
//   recording → bridge / vault / store
//   gateway → venues / vault                  gateway console → app / store / recording / gateway server
//   gateway server → gateway console
//   common/ → anything outside common/ (and Node built-ins, electron)
// Each arrow is one pattern of `no-restricted-imports`, matched on the import's text (imports
// are relative, so a pattern names the folder as a path segment). test/build/layers.test.ts
// lints a planted violation of each and an allowed import of each layer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';

const ELECTRON_GLUE = ['electron/main.ts', 'electron/preload.ts', 'electron/vault/safe-storage.ts'];
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
/** Every venue folder under electron/venues/: a new venue is covered without editing this file. */
const VENUES = readdirSync(new URL('./electron/venues/', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** An import of `electron` itself: only the glue may (types are fine anywhere). */
const ELECTRON_PATH = { name: 'electron', message: 'Only electron/main.ts, electron/preload.ts and the safeStorage vault import electron.', allowTypeImports: true };
/** Matches an import whose path has `dir` (one or more segments) as whole segments. */
const seg = (dir) => `(^|/)${dir}(/|$)`;
/** The bridge: its transports and the contract it serves (contract-names.ts is plain data, not the bridge). */
const BRIDGE = `(^|/)(bridge(/|$)|contract(\\.js|\\.ts)?$)`;
/** One layer rule: the arrow in words, and the patterns it forbids. */
const never = (arrow, why, regex) => ({ regex, message: `Layer rule "${arrow}" is never: ${why}` });
const layerRule = (patterns, paths = [ELECTRON_PATH]) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }],
});

/** Every part of the gateway (both roles): serves the core, never builds venues nor reads the vault. */
const GATEWAY_NEVER = [
  never('gateway → venues', 'the gateway serves the hub; venues are composed by electron/app/.', seg('venues')),
  never('gateway → vault', 'venue credentials never leave the core: the gateway reaches them only through bridge methods the core answers.', seg('vault')),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'renderer/dist/', 'release/', 'proto/', 'bench/.baseline/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only electron/main.ts, electron/preload.ts and the safeStorage vault import electron.', allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ELECTRON_GLUE,
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: layerRule(
      [
        never('renderer → core', 'the renderer sees the core only through the bridge contract (electron/contract.ts).', seg('electron/core')),
        never('renderer → bridge', 'the renderer reaches the main side only through its transport and the contract\'s types.', seg('electron/bridge')),
        never('renderer → venues', 'venue code runs only on the main side; shared rules live in common/.', seg('electron/venues')),
        never('renderer → vault', 'the renderer never sees a secret store; credential shapes come from electron/contract.ts.', seg('electron/vault')),
        {
          // Any other main-side file: types come through the contract, shared code from common/.
          regex: '(^|/)electron/(?!(contract(\\.js|\\.ts)?|core|bridge|venues|vault)(/|$))',
          message: 'The renderer imports only types from electron/contract.ts (and anything from common/).',
        },
        {
          // Must match the contract only: a type import matching a pattern that allows types skips all patterns.
          regex: '(^|/)electron/contract(\\.js|\\.ts)?$',
          allowTypeImports: true,
          message: 'The renderer imports only types from electron/contract.ts (and anything from common/).',
        },
      ],
      [
        { name: 'electron', message: 'The renderer never imports electron.' },
        ...nodeBuiltins.map((name) => ({ name, message: 'The renderer imports no Node built-ins.' })),
      ],
    ),
  },
  {
    files: ['common/**/*.ts'],
    rules: layerRule(
      [never('common → outside common', 'common/ is the Node-free kernel both sides import; it imports only from common/.', '^(?!\\./)')],
      [
        { name: 'electron', message: 'common/ never imports electron: it is the Node-free kernel.' },
        ...nodeBuiltins.map((name) => ({ name, message: 'common/ imports no Node built-ins: the renderer loads it too.' })),
      ],
    ),
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: layerRule([
      never('core → bridge', 'the core owns its types (electron/core/types.ts); the contract imports them, never the other way round.', BRIDGE),
      never('core → venues', 'the core knows no venue; it depends on the Venue interface (electron/venues/venue.ts) only.', '(^|/)venues/[^/]+/'),
      never('core → vault', 'the core knows no secret store; the composition root wires the vault.', seg('vault')),
    ]),
  },
  {
    files: ['electron/store/**/*.ts'],
    rules: layerRule([
      // The one exception: the core's logger, which the store reports its failures to.
      never('store → core', 'the store keeps rows of domain types (common/); the core uses it, never the other way round.', '(^|/)core/(?!log(\\.js|\\.ts)?$)'),
      never('store → bridge', 'the store knows no transport or contract.', BRIDGE),
      never('store → venues', 'the store knows no venue wire format.', seg('venues')),
      never('store → vault', 'secrets never go into the database.', seg('vault')),
    ]),
  },
  ...VENUES.map((venue) => ({
    files: [`electron/venues/${venue}/**/*.ts`],
    rules: layerRule([
      never('venue → bridge', 'an adapter emits domain events to its VenueSink; it knows no transport or contract.', BRIDGE),
      never('venue → core', 'an adapter knows only the Venue interface (electron/venues/venue.ts), common/ and net/.', seg('core')),
      ...VENUES.filter((other) => other !== venue).map((other) =>
        never('venue → another venue', `${venue} may not import ${other}: shared code belongs in common/, net/ or venues/venue.ts.`, seg(other)),
      ),
    ]),
  })),
  {
    files: ['sim/**/*.ts'],
    rules: layerRule([never('sim → electron/venues', 'the local venues speak the real wire protocols, so they must not share code with our adapters.', seg('electron/venues'))]),
  },
  {
    // The wire inspector sees frames through net/wire-tap.ts and shows them through the core's
    // one redactor; the bridge serves it, and a venue's decoder reaches it from electron/app/.
    files: ['electron/inspector/**/*.ts'],
    rules: layerRule([
      never('inspector → bridge', 'the bridge serves the inspector; the contract re-exports its types.', BRIDGE),
      never('inspector → venues', 'the inspector knows no venue wire format; binary decoders are registered by electron/app/.', seg('venues')),
      never('inspector → vault', 'the inspector redacts through the core\'s redactor, never reads secrets.', seg('vault')),
    ]),
  },
  {
    // Metrics read the core and the bridge's hooks, and serve over net; they know no venue.
    files: ['electron/metrics/**/*.ts'],
    rules: layerRule([
      never('metrics → venues', 'metrics read what the core and the bridge report; a venue\'s insides stay in its adapter.', '(^|/)venues/[^/]+/'),
      never('metrics → vault', 'metrics never touch secrets.', seg('vault')),
    ]),
  },
  {
    // Alerts watch the hub and deliver through their own webhooks; the bridge attaches to them.
    files: ['electron/alerts/**/*.ts'],
    rules: layerRule([
      never('alerts → bridge', 'alerts reach the trader through listeners the bridge attaches; they know no transport or contract.', BRIDGE),
      never('alerts → venues', 'alerts watch the hub; they know no venue wire format.', '(^|/)venues/'),
      never('alerts → vault', 'alerts see webhook secrets through WebhookSecretVault; the composition root wires the vault.', seg('vault')),
    ]),
  },
  {
    // A recording holds what crossed the wire; replay builds an adapter offline. Neither reaches the bridge, the vault or the store.
    files: ['electron/recording/**/*.ts'],
    rules: layerRule([
      never('recording → bridge', 'the recorder is a wire-tap consumer; the bridge starts and stops it, never the other way round.', BRIDGE),
      never('recording → vault', 'a recording must never reach a secret store: it is written to the data folder.', seg('vault')),
      never('recording → store', 'recordings are files of their own, not rows of the database.', seg('store')),
    ]),
  },
  {
    // The gateway serves the core to consoles over NATS; venue credentials stay in the core's vault.
    files: ['electron/gateway/**/*.ts'],
    rules: layerRule(GATEWAY_NEVER),
  },
  {
    // A console has no core of its own: no app, no journal, no recording; it speaks only the protocol.
    files: ['electron/gateway/console/**/*.ts'],
    rules: layerRule([
      ...GATEWAY_NEVER,
      never('gateway console → app', 'a console builds no core; it reads the gateway through its link.', seg('app')),
      never('gateway console → store', 'a console keeps no database: the gateway\'s journal is the desk\'s.', seg('store')),
      never('gateway console → recording', 'recording is the core\'s, at the gateway.', seg('recording')),
      never('gateway console → gateway server', 'the two roles meet only in protocol.ts and wire-schemas.ts.', seg('server')),
    ]),
  },
  {
    files: ['electron/gateway/server/**/*.ts'],
    rules: layerRule([
      ...GATEWAY_NEVER,
      never('gateway server → gateway console', 'the two roles meet only in protocol.ts and wire-schemas.ts.', seg('console')),
    ]),
  },
  {
    files: ['electron/net/**/*.ts'],
    rules: layerRule([never('net → venues', 'net/ is venue-neutral plumbing that adapters build on.', seg('venues'))]),
  },
  {
    // The app is composed from static imports (electron/app/venues.ts lists every venue's
    // descriptor): a computed import hides a module from the bundle and from the typecheck.
    // A literal `import('./x.js')` is still seen by both (the release entry loads the app so).
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportExpression[source.type!='Literal']",
          message: 'Import by a literal path: the release bundle and the typecheck must see every module (electron/app/venues.ts lists the venues).',
        },
      ],
    },
  },
  {
    files: ['**/*.config.{ts,js}', 'renderer/vite.config.ts'],
    rules: { 'no-restricted-exports': 'off' },
  },
);

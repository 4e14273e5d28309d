// Boundaries between the worlds are enforced here: only the Electron glue imports
// `electron`; the renderer imports no Node and only types from the main side.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const ELECTRON_GLUE = ['electron/main.ts', 'electron/preload.ts', 'electron/vault/safe-storage.ts'];
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

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
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer never imports electron.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer imports no Node built-ins.' })),
          ],
          patterns: [
            {
              group: ['**/electron/*', '**/electron/**'],
              allowTypeImports: true,
              message: 'The renderer imports only types from the main side (electron/contract.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.config.{ts,js}', 'renderer/vite.config.ts'],
    rules: { 'no-restricted-exports': 'off' },
  },
);

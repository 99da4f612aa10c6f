// @ts-check
import js from '@eslint/js';
import solid from 'eslint-plugin-solid/configs/typescript';
import fs from 'node:fs';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports each layer must not reach for; the boundaries of STYLE.md, enforced. */
const nodeBuiltins = { group: ['node:*'], message: 'shared/ runs in browsers too: no Node APIs.' };

/**
 * Which relay folders may import each library: one owner per library (DESIGN.md §1, STYLE.md),
 * so that swapping a driver or a transport touches one room. Tests may import what they test.
 */
const RELAY_LIBRARY_OWNERS = {
  'uWebSockets.js': ['transport'],
  kysely: ['db', 'accounts', 'audit', 'devices', 'push', 'blobs'],
  'better-sqlite3': ['db', 'audit', 'mailbox', 'backup'],
  pg: ['db', 'mailbox'],
  '@simplewebauthn/server': ['accounts'],
  'web-push': ['push'],
  '@nats-io/transport-node': ['cluster'],
  'libsodium-wrappers': ['sodium'],
};

/** The relay reads top down: cli → main → transport → delivery → features → db. */
const RELAY_TOP_LAYERS = ['transport', 'cli'];

/**
 * Folders kept below others they must not reach back into: the audit log is written by every
 * feature and so imports none of them (the composition root hands it what it needs), and the
 * database layer knows no feature at all.
 */
const RELAY_FEATURES = [
  'accounts',
  'devices',
  'mailbox',
  'delivery',
  'push',
  'audit',
  'backup',
  'blobs',
];
const RELAY_BELOW = {
  audit: RELAY_FEATURES.filter((folder) => folder !== 'audit'),
  db: RELAY_FEATURES,
};

/** One no-restricted-imports rule per relay folder, with every restriction that applies to it. */
function relayBoundaries() {
  const folders = fs
    .readdirSync(new URL('relay/src', import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  return folders.map((folder) => ({
    files: [`relay/src/${folder}/**/*.ts`],
    ignores: ['relay/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: Object.entries(RELAY_LIBRARY_OWNERS)
            .filter(([, owners]) => !owners.includes(folder))
            .map(([name, owners]) => ({
              name,
              message: `Only relay/src/{${owners.join(',')}} may import ${name}.`,
            })),
          patterns: [
            ...(RELAY_TOP_LAYERS.includes(folder)
              ? []
              : [
                  {
                    group: ['**/transport/**', '**/cli/**', '**/main.js', '**/cli.js'],
                    message:
                      'Features sit below the transport and the CLI: pass what they need in.',
                  },
                ]),
            ...(folder in RELAY_BELOW
              ? [
                  {
                    group: RELAY_BELOW[folder].map((above) => `../${above}/**`),
                    message: `relay/src/${folder} sits below the features that use it: pass what it needs in.`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  }));
}

/** What each layer of the app must not import: ui → state → core, platform beside core. */
const pwaLayer = (message, groups) => ({ group: groups, message });

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'test-artifacts/**', '**/dev-dist/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['vitest.config.ts'],
          defaultProject: 'tsconfig.base.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
  {
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            {
              group: ['@vaultroom/relay', '@vaultroom/pwa'],
              message: 'shared imports nothing of ours.',
            },
          ],
        },
      ],
    },
  },
  ...relayBoundaries(),
  {
    files: ['pwa/src/**/*.{ts,tsx}'],
    ...solid,
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['pwa/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'idb', message: 'IndexedDB belongs to pwa/src/platform.' },
            { name: '@simplewebauthn/browser', message: 'WebAuthn belongs to pwa/src/platform.' },
          ],
          patterns: [
            pwaLayer('pwa/src/core stays framework-free.', ['solid-js', 'solid-js/*']),
            pwaLayer('core declares ports; platform implements them and main.tsx wires them.', [
              '**/platform/**',
            ]),
            pwaLayer('core sits below state and ui.', ['**/state/**', '**/ui/**']),
          ],
        },
      ],
    },
  },
  {
    files: ['pwa/src/ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'idb', message: 'IndexedDB belongs to pwa/src/platform.' },
            { name: '@simplewebauthn/browser', message: 'WebAuthn belongs to pwa/src/platform.' },
          ],
          patterns: [
            pwaLayer('ui reaches the browser through state and the services main.tsx wires.', [
              '**/platform/**',
            ]),
          ],
        },
      ],
    },
  },
  {
    files: ['pwa/src/state/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'idb', message: 'IndexedDB belongs to pwa/src/platform.' },
            { name: '@simplewebauthn/browser', message: 'WebAuthn belongs to pwa/src/platform.' },
          ],
          patterns: [
            pwaLayer('state sits below ui.', ['**/ui/**']),
            pwaLayer('state takes the platform through core/ports.ts; main.tsx wires it in.', [
              '**/platform/**',
            ]),
          ],
        },
      ],
    },
  },
  {
    // A second rule name, so that this restriction adds to each layer's no-restricted-imports
    // instead of replacing it (flat config keeps only the last options given for one rule).
    files: ['pwa/src/**/*.{ts,tsx}'],
    ignores: [
      'pwa/src/platform/loadSodium.ts',
      'pwa/src/**/*.test.ts',
      'pwa/src/core/chat/chatEngineTest*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'libsodium-wrappers',
              message:
                'The app loads libsodium in one place, lazily: take it from platform/loadSodium.ts.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['pwa/src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            pwaLayer('platform implements core/ports.ts and knows nothing of state or ui.', [
              '**/state/**',
              '**/ui/**',
            ]),
          ],
        },
      ],
    },
  },
);

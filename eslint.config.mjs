// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O. Side effects
 * belong in activities, which workflows may import as types only (`import type { Activities }`).
 */
const workflowForbiddenPaths = [
  ...builtinModules.filter((name) => !name.startsWith('_')),
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  'pg',
  'better-sqlite3',
  'express',
  'helmet',
  'pino',
  'prom-client',
  'prisma',
].map((name) => ({ name, message: 'workflows/ is deterministic sandboxed code: no Node built-ins or I/O here.' }));

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'db/generated/', '.venv/', '.data/', 'coverage/', '.tmp/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The type-aware rules that catch real bugs for little cost: an un-awaited promise loses its
      // error (and, in a workflow, its ordering); awaiting a non-promise hides a missing call.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // State declared up front and filled in later, read by handlers defined in between (the usual
      // shape of a workflow with signal/update handlers), stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: workflowForbiddenPaths,
          patterns: [
            { group: ['node:*'], message: 'workflows/ may not use Node built-ins.' },
            { group: ['@prisma/*'], message: 'workflows/ may not touch the database: use an activity.' },
            {
              group: [
                '**/db',
                '**/db/**',
                '**/config',
                '**/config/**',
                '**/api',
                '**/api/**',
                '**/worker',
                '**/worker/**',
              ],
              message: 'workflows/ may not import I/O code: use an activity.',
            },
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: "Import activities as types only: import type { Activities } from '../activities'.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);

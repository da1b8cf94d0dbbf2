// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import packages from './tools/lint/packages.cjs';

// A lib is imported through `@app/<lib>` or a declared sub-entry, never by a relative path into
// it nor by `@app/<lib>/<internal file>`. The package graph check (npm run lint) checks the same
// on resolved files; this rule points at the import line while editing.
const LIB_BY_PATH = {
  group: ['**/libs/*/src/**', '../../libs/**'],
  message: 'Import a lib through @app/<lib>.',
};
const LIB_INTERNALS = {
  group: [
    '@app/*/**',
    ...Object.entries(packages.SUB_ENTRIES).flatMap(([lib, subs]) =>
      subs.map((sub) => `!@app/${lib}/${sub}`),
    ),
  ],
  message: 'Import a lib through @app/<lib> or a sub-entry declared in tools/lint/packages.cjs.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'infra/cdk.out/**', '.clinic/**', 'node_modules/**', 'scratch/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  {
    // Apps reach libs only through their public entries and never import another app; libs never
    // import apps.
    files: ['apps/**/*.ts', 'apps/**/*.tsx', 'libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            LIB_BY_PATH,
            LIB_INTERNALS,
            { group: ['**/apps/**'], message: 'Never import another app; share through a lib.' },
          ],
        },
      ],
    },
  },
  {
    // Tooling (the CLI, the bench, the CDK app, cross-app tests) may run apps, but reaches libs
    // through their public entries like everyone else.
    files: ['tools/**/*.ts', 'bench/**/*.ts', 'infra/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [LIB_BY_PATH, LIB_INTERNALS] }] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { projectService: false },
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);

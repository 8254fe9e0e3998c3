import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** DESIGN §1: imports run one way — `src → sip`, `src → media`; `sip/` and `media/` never import `src/` or each other. */
const layer = (files, forbidden) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((dir) => ({
          group: [`**/${dir}/*`, `**/${dir}`],
          message: `DESIGN §1: ${files[0].split('/')[0]}/ must not import ${dir}/ (imports run src → sip, src → media).`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.voxgate/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  layer(['sip/**/*.ts'], ['src', 'media']),
  layer(['media/**/*.ts'], ['src', 'sip']),
  {
    // src/ reaches the two libraries through their public entry files only.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: ['sip', 'media'].map((dir) => ({
            group: [`**/${dir}/**`, `!**/${dir}/index.js`],
            message: `DESIGN §1: src/ imports ${dir}/ only through ${dir}/index.ts.`,
          })),
        },
      ],
    },
  },
);

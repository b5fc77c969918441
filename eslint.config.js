// Lint rules that keep the layers apart (docs/CONTRIBUTING.md, "Layers": code
// is layered by where it may run) and keep HTML injection out of the renderer.
import tseslint from 'typescript-eslint';
import jsdoc from 'eslint-plugin-jsdoc';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Writing HTML from strings is how noVNC (CVE-2017-18635) and xterm.js
// (CVE-2019-0542) turned server-controlled text into script. We never do it.
const htmlSinks = [
  {
    selector: "AssignmentExpression[left.property.name='innerHTML']",
    message: 'innerHTML is forbidden: build nodes and set textContent.',
  },
  {
    selector: "AssignmentExpression[left.property.name='outerHTML']",
    message: 'outerHTML is forbidden: build nodes and set textContent.',
  },
  {
    selector: "CallExpression[callee.property.name='insertAdjacentHTML']",
    message: 'insertAdjacentHTML is forbidden.',
  },
  {
    selector: "CallExpression[callee.property.name='createContextualFragment']",
    message: 'createContextualFragment is forbidden.',
  },
  { selector: "MemberExpression[property.name='innerHTML']", message: 'innerHTML is forbidden: use textContent.' },
  {
    selector: "CallExpression[callee.object.name='document'][callee.property.name='write']",
    message: 'document.write is forbidden.',
  },
];

// One private-member convention: ECMAScript's own `#name`, which the runtime
// enforces (a compromised caller cannot read a ticket book's `#tickets`). The
// TypeScript keyword only hides a name from the compiler. A constructor is the
// one exception: `private constructor` (a factory-only class) has no `#` form.
const privateMembers = [
  {
    selector: "PropertyDefinition[accessibility='private']",
    message: 'Use a #private field, not the private keyword.',
  },
  {
    selector: "MethodDefinition[accessibility='private'][kind!='constructor']",
    message: 'Use a #private method, not the private keyword.',
  },
  {
    selector: 'TSParameterProperty',
    message: 'Declare a #private field and assign it in the constructor; no parameter properties.',
  },
  {
    selector: "PropertyDefinition[accessibility='protected'], MethodDefinition[accessibility='protected']",
    message: 'No protected members: compose instead of subclassing.',
  },
];

// Event-style names (onX, handleX) promise "called when X happens". A method
// is called by its owner to do something, so it is named for what it does;
// listeners bound to an emitter are properties named source + On + Event
// (`#socketOnData = (chunk) => ...`), which says who calls them.
const eventNames = [
  {
    selector: 'MethodDefinition[key.name=/^(on|handle)[A-Z]/]',
    message:
      'A method is named for what it does, not as an event handler (onX/handleX). A listener is a property: #sourceOnEvent = (...) => ...',
  },
];

// Every public declaration in main/ and shared/ carries a /** */ comment that
// gives shapes, units, the error codes it throws and the RFC or OpenSSH
// behaviour it follows (docs/CONTRIBUTING.md). The rule only checks that one
// is there; review checks that it says something. "Public" is what the
// module exports (publicOnly) and, in an exported class, every member not
// #private (constructors excepted: the class comment covers them).
const requireDocs = {
  publicOnly: true,
  enableFixer: false,
  checkConstructors: false,
  require: { FunctionDeclaration: true, ClassDeclaration: true, MethodDefinition: false },
  contexts: [
    'TSInterfaceDeclaration',
    'TSTypeAliasDeclaration',
    'TSEnumDeclaration',
    'ExportNamedDeclaration > VariableDeclaration',
    'MethodDefinition[key.type!="PrivateIdentifier"][kind!="constructor"] > FunctionExpression',
    'PropertyDefinition[key.type!="PrivateIdentifier"]',
  ],
};

const noElectron = {
  paths: [
    { name: 'electron', message: 'Only the app shell (main/app/) may import electron; inject what it provides.' },
  ],
  patterns: [{ group: ['electron/*'], message: 'Only the app shell (main/app/) may import electron.' }],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'test-artifacts/**',
      'bench-results/**',
      '.stryker-tmp/**',
      'reports/**',
      '.scratch/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js'],
    rules: {
      'no-restricted-imports': ['error', noElectron],
      'no-restricted-syntax': ['error', ...htmlSinks],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // ws and ssh2 style: a class or function up front, small private helpers
    // below it. No production function over 80 lines (tests and benches may
    // be longer: a scenario reads top to bottom).
    files: ['main/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.ts', 'preload/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'no-restricted-syntax': ['error', ...htmlSinks, ...privateMembers, ...eventNames],
    },
  },
  {
    files: ['main/**/*.ts', 'shared/**/*.ts'],
    plugins: { jsdoc },
    rules: { 'jsdoc/require-jsdoc': ['error', requireDocs] },
  },
  {
    // The Electron shell and the preload are the only places that talk to Electron.
    files: ['main/app/**/*.ts', 'preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // shared/ runs in both worlds: neither Node nor Electron.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...noElectron.paths,
            ...nodeBuiltins.map((name) => ({ name, message: 'shared/ must not import Node built-ins.' })),
          ],
          patterns: noElectron.patterns,
        },
      ],
    },
  },
  {
    // The renderer is a web page with no Node.
    files: ['renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...noElectron.paths,
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer has no Node: go through the API.' })),
          ],
          patterns: [
            ...noElectron.patterns,
            { group: ['**/main/**', '**/preload/**'], message: 'The renderer reaches main only through the API.' },
          ],
        },
      ],
    },
  },
);

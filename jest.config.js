/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // ts-jest only transpiles; `tsc --noEmit` type-checks once in `npm test`.
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { isolatedModules: true, allowJs: true, module: 'commonjs', moduleResolution: 'node10' } }],
  },
  // @middy/core is ESM-only: let ts-jest turn it into CommonJS for jest's module system.
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  moduleNameMapper: {
    '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
    // Its package.json names only the ESM build as main; jest's resolver needs the CommonJS one.
    '^openapi-fetch$': '<rootDir>/node_modules/openapi-fetch/dist/index.cjs',
  },
  testTimeout: 30000,
  maxWorkers: 2,
};

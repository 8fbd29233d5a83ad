/** Jest runs the TypeScript sources directly; type checking is `npm run build`'s job. */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/controllers',
    '<rootDir>/reconcilers',
    '<rootDir>/api',
    '<rootDir>/crds',
    '<rootDir>/hack',
    '<rootDir>/test',
  ],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  maxWorkers: 3,
};

import { configDefaults, defineConfig } from 'vitest/config'

/**
 * The packed-package test (test/package) packs the repo, installs the tarball and runs tsc on
 * consumers: about 50 s of CPU. It is its own project, run by `npm test` and in CI (CI set), or
 * with MULTIFEED_TEST_PACKAGE=1; a plain `npx vitest run` leaves it out.
 */
const withPackage = Boolean(process.env['CI']) || process.env['MULTIFEED_TEST_PACKAGE'] === '1'

export default defineConfig({
  test: {
    // Integration tests open real Corestores and sockets; two cores, so keep workers few.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/package/**'],
        },
      },
      ...(withPackage
        ? [
            {
              extends: true as const,
              test: {
                name: 'package',
                include: ['test/package/**/*.test.ts'],
                testTimeout: 120_000,
                hookTimeout: 300_000,
              },
            },
          ]
        : []),
    ],
  },
})

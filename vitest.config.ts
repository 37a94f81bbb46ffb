import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: two test files at a time keeps the browser tests from starving the servers.
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});

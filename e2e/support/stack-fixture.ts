import { test as base } from "@playwright/test";
import { type Stack, startStack } from "./stack";

/**
 * `stack`: one product stack per worker (every hardening spec shares it), on PostgreSQL.
 */
export const test = base.extend<object, { stack: Stack }>({
  stack: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const stack = await startStack();
      await use(stack);
      await stack.stop();
    },
    { scope: "worker", timeout: 180_000 },
  ],
});

export { expect } from "@playwright/test";

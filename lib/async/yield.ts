import { setImmediate } from "node:timers/promises";

/** How long a loop may hold the event loop before it lets waiting work run. */
const SLICE_MS = 10;

/**
 * A sync's steps run in the app's own process (Inngest's `serve()` route), and a page request
 * that arrives while a step computes waits until the step next awaits. A long loop takes a
 * `yielder()` and awaits it on every turn: it yields to the event loop on its first call, as a
 * loop usually follows other work whose time it cannot see (a query's rows mapped, a page
 * matched), then every `sliceMs`.
 */
export function yielder(sliceMs = SLICE_MS): () => Promise<void> {
  let since = Number.NEGATIVE_INFINITY;
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await nextTurn();
    since = performance.now();
  };
}

/**
 * Resumes after the event loop has run its timers and read its sockets. One `setImmediate` is not
 * enough: called from an I/O callback (a query's answer), it runs in the same turn, before either.
 */
async function nextTurn(): Promise<void> {
  await setImmediate();
  await setImmediate();
}

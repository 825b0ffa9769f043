import { setTimeout as delay } from "node:timers/promises";

/** How long a loop may hold the event loop before it lets waiting work run. */
const SLICE_MS = 5;

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
    // A timer: the loop reads its sockets between two of them. Not setImmediate: while Next.js
    // renders a page it runs the immediates queued meanwhile, anyone's, in the same task (its
    // "fast setImmediate"), so they would not yield at all.
    await delay(0);
    since = performance.now();
  };
}

// Loaded into the app's process by `npm run bench` (node --import): each second, the longest the
// event loop was held (node's monitorEventLoopDelay: a 5 ms timer's longest gap), appended to
// $BENCH_EVENT_LOOP_LOG as a JSON line. Plain JavaScript: the production server runs no loader.
import { appendFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const log = process.env.BENCH_EVENT_LOOP_LOG;
if (log) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  setInterval(() => {
    appendFileSync(log, `${JSON.stringify({ at: Date.now(), maxMs: delay.max / 1e6 })}\n`);
    delay.reset();
  }, 1000).unref();
}

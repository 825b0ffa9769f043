// Loaded into the app's process by `npm run bench` (node --import): each second, the longest the
// event loop was held (node's monitorEventLoopDelay: a 5 ms timer's longest gap) and the most
// JavaScript heap in use (sampled every 50 ms), appended to $BENCH_EVENT_LOOP_LOG as a JSON line.
// Plain JavaScript: the production server runs no loader.
import { appendFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

const log = process.env.BENCH_EVENT_LOOP_LOG;
if (log) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let heap = 0;
  setInterval(() => {
    heap = Math.max(heap, getHeapStatistics().used_heap_size);
  }, 50).unref();
  setInterval(() => {
    appendFileSync(log, `${JSON.stringify({ at: Date.now(), maxMs: delay.max / 1e6, heapBytes: heap })}\n`);
    delay.reset();
    heap = 0;
  }, 1000).unref();
}

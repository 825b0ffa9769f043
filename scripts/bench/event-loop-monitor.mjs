// Loaded into the app's process by `npm run bench` (node --import): each second, the longest the
// event loop was held (node's monitorEventLoopDelay: a 5 ms timer's longest gap), the most
// JavaScript heap in use (sampled every 50 ms: garbage not yet collected included), and the heap
// in use just after each full collection (what was still alive: null when none ran), appended to
// $BENCH_EVENT_LOOP_LOG as a JSON line. Plain JavaScript: the production server runs no loader.
import { appendFileSync } from "node:fs";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

const log = process.env.BENCH_EVENT_LOOP_LOG;
if (log) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let heap = 0;
  let liveAfterGc = null;
  setInterval(() => {
    heap = Math.max(heap, getHeapStatistics().used_heap_size);
  }, 50).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      liveAfterGc = Math.max(liveAfterGc ?? 0, getHeapStatistics().used_heap_size);
    }
  }).observe({ entryTypes: ["gc"] });
  setInterval(() => {
    const line = { at: Date.now(), maxMs: delay.max / 1e6, heapBytes: heap, liveAfterGcBytes: liveAfterGc };
    appendFileSync(log, `${JSON.stringify(line)}\n`);
    delay.reset();
    heap = 0;
    liveAfterGc = null;
  }, 1000).unref();
}

import { setTimeout as delay } from "node:timers/promises";

/** What a client saw of a CSV export. */
export interface DownloadFigures {
  status: number;
  contentType: string | null;
  contentEncoding: string | null;
  /** Data rows (the header line not counted). */
  rows: number;
  bytes: number;
  firstByteMs: number;
  seconds: number;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Downloads a CSV export as a browser does (with the session's cookie, gzip accepted), counting
 * its rows as it streams (line ends outside quoted fields), and reading at most `bytesPerSecond`
 * of CSV when given: a slow client, which the app must not buffer for.
 */
export async function downloadCsv(
  appUrl: string,
  path: string,
  cookie: string,
  bytesPerSecond?: number,
): Promise<DownloadFigures> {
  const t0 = performance.now();
  const response = await fetch(`${appUrl}${path}`, { headers: { cookie } });
  if (!response.ok || !response.body) throw new Error(`GET ${path} answered ${response.status}`);
  const reader = response.body.getReader();
  let firstByteMs = 0;
  let bytes = 0;
  let lines = 0;
  let quoted = false;
  let previous = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (bytes === 0) firstByteMs = performance.now() - t0;
    bytes += value.length;
    for (const byte of value) {
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === LF && previous === CR && !quoted) lines++;
      previous = byte;
    }
    if (bytesPerSecond) {
      const due = (bytes / bytesPerSecond) * 1000 - (performance.now() - t0);
      if (due > 0) await delay(due);
    }
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    contentEncoding: response.headers.get("content-encoding"),
    rows: lines - 1,
    bytes,
    firstByteMs: Math.round(firstByteMs),
    seconds: Math.round(performance.now() - t0) / 1000,
  };
}

/** Inngest time strings as the SDK writes them ("1d2h30m10s"), or an ISO instant (sleepUntil). */
const UNITS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** The instant a duration or ISO string means, counted from `from`. */
export function resolveTime(value: string, from: number): number {
  if (/^(\d+[wdhms])+$/.test(value)) {
    let ms = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+)([wdhms])/g))
      ms += Number(amount) * (UNITS[unit ?? "s"] ?? 0);
    return from + ms;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Error(`Unsupported time "${value}"`);
  return at;
}

/** A `retry-after` header: seconds, or an HTTP/ISO date. */
export function retryAfterDelay(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

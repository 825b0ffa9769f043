import { CronExpressionParser } from "cron-parser";

/**
 * The next time a cron trigger fires after `after`. Accepts Inngest's forms: five fields, six with
 * seconds, and a `TZ=Area/City` prefix (UTC otherwise).
 */
export function nextCronTime(cron: string, after: Date): Date {
  const match = /^(?:CRON_)?TZ=(\S+)\s+(.*)$/.exec(cron.trim());
  const tz = match?.[1] ?? "UTC";
  const expression = match?.[2] ?? cron;
  return CronExpressionParser.parse(expression, { currentDate: after, tz }).next().toDate();
}

/**
 * Inngest's executor rules the runner keeps to, with their source in github.com/inngest/inngest,
 * so a function that would fail on Inngest fails here too (inngest/README.md, "What the runner
 * enforces").
 */

/** `retries` when a function sets none: 4, so 5 attempts (pkg/consts DefaultRetryCount). */
export const DEFAULT_RETRIES = 4;

/** Delay after failed attempt n (0-based), capped at the last (pkg/backoff BackoffTable). */
export const INNGEST_BACKOFF_MS = [
  15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 7_200_000,
];
/** TableBackoff adds between 0 and 30 s of jitter. */
const JITTER_MS = 30_000;

/**
 * `inngest`: Inngest's schedule. `fast`: the same table and jitter in milliseconds instead of
 * seconds (15 ms, 30 ms, 60 ms, ...), for tests; the attempts are the same.
 */
export type Backoff = "inngest" | "fast";

/** How long to wait after the 0-based attempt `failed` failed (pkg/backoff TableBackoff). */
export function backoffDelay(backoff: Backoff, failed: number): number {
  const base = INNGEST_BACKOFF_MS[Math.min(failed, INNGEST_BACKOFF_MS.length - 1)] ?? 0;
  const delay = base + Math.floor(Math.random() * JITTER_MS);
  return backoff === "fast" ? delay / 1000 : delay;
}

export function parseBackoff(value: string | undefined): Backoff {
  if (value === undefined || value === "" || value === "inngest") return "inngest";
  if (value === "fast") return "fast";
  throw new Error(`backoff must be "inngest" or "fast", not "${value}"`);
}

/** Steps a run may save (pkg/consts DefaultMaxStepLimit). */
export const MAX_STEPS = 1_000;
/** A step's saved output, `{"data":…}` (pkg/consts MaxStepOutputSize). */
export const MAX_STEP_OUTPUT_BYTES = 4 * 1024 * 1024;
/** A run's state: its event and every saved step result (pkg/consts DefaultMaxStateSizeLimit). */
export const MAX_STATE_BYTES = 32 * 1024 * 1024;
/**
 * One event's JSON. Inngest Cloud's smallest plan limit (Free; paid plans and the dev server
 * take pkg/consts AbsoluteMaxEventSize, 3 MiB), so an app that passes here passes on every plan.
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/** The run's error when it has saved too many steps (pkg/execution/executor/validate.go). */
export const stepLimitError = () => ({
  error: "function has too many steps",
  name: "InngestErrFunctionOverflowed",
  message: `The function run exceeded the step limit of ${MAX_STEPS} steps.`,
});

/** The run's error when its state would pass the limit (executor.go validateStateSize). */
export const stateLimitError = () => {
  const message = `The function run exceeded the state size limit of ${MAX_STATE_BYTES} bytes.`;
  return { error: `InngestErrStateOverflowed: ${message}`, name: "InngestErrStateOverflowed", message };
};

/** state.ErrStepOutputTooLarge (pkg/execution/state/opcode.go). */
export const STEP_OUTPUT_TOO_LARGE = "step output size is greater than the limit";
/** state.ErrStateOverflowed. */
export const STATE_TOO_LARGE = "state is too large";

/** Event API refusal (pkg/eventstream ErrEventTooLarge). */
export const eventTooLarge = (size: number) =>
  `Event is over the max size: Max ${MAX_EVENT_BYTES} bytes / Size ${size} bytes`;

/** Bytes of a value as JSON, as Inngest measures saved state. */
export const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "");

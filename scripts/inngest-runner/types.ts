/** The runner's records, as kept on disk (one JSON file per run) and served by its API. */

export interface EventPayload {
  id: string;
  name: string;
  data: Record<string, unknown>;
  ts: number;
  [key: string]: unknown;
}

/** A step result as the SDK reads it back (`steps` in the request body), keyed by hashed step id. */
export type MemoizedStep = { type: "data"; data: unknown } | { type: "error"; error: unknown };

/** A durable wait the run is parked on. */
export type Wait =
  | { kind: "sleep"; until: number }
  | { kind: "event"; event: string; if?: string; until: number }
  | { kind: "invoke"; runId: string; until?: number };

/** A request owed to the app: `"step"` is discovery (the function from the top), else a step's hashed id. */
export interface PendingRequest {
  attempt: number;
  /** Not before this instant (retry backoff). */
  at: number;
  /** Set while the app cannot be reached: such waits consume no attempt. */
  unreachable?: boolean;
}

export type RunStatus = "Queued" | "Running" | "Completed" | "Failed" | "Cancelled";

/** What the dashboard shows of one step. */
export interface StepRecord {
  id: string;
  name: string;
  op: string;
  status: "planned" | "running" | "waiting" | "retrying" | "completed" | "failed";
  attempts: number;
  startedAt: number;
  endedAt?: number;
  error?: unknown;
}

export interface Run {
  id: string;
  functionId: string;
  status: RunStatus;
  event: EventPayload;
  steps: Record<string, MemoizedStep>;
  /** Hashed step ids in the order their results arrived (`ctx.stack`). */
  stack: string[];
  waits: Record<string, Wait>;
  requests: Record<string, PendingRequest>;
  history: Record<string, StepRecord>;
  /** Requests sent to the app so far (checkpointing keeps this far below the step count). */
  appRequests: number;
  /** Bytes of the event and saved step results, as Inngest counts a run's state (limits.ts). */
  stateBytes?: number;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  output?: unknown;
  error?: unknown;
  /** The run whose event this run re-sent (POST /runs/:id/replay). */
  replayOf?: string;
  /** The run and step waiting on this one (step.invoke). */
  invokedBy?: { runId: string; stepId: string };
}

export const isFinished = (run: Run) =>
  run.status === "Completed" || run.status === "Failed" || run.status === "Cancelled";

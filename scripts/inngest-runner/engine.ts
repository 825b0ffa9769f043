import { createHash } from "node:crypto";
import { headerKeys, internalEvents, queryKeys } from "inngest";
import { encodeTime, ulid } from "ulid";
import { nextCronTime } from "./cron";
import { type EvaluateOptions, evaluateExpression, matchesExpression } from "./expression";
import {
  type Backoff,
  backoffDelay,
  DEFAULT_RETRIES,
  jsonBytes,
  MAX_STATE_BYTES,
  MAX_STEP_OUTPUT_BYTES,
  MAX_STEPS,
  STATE_TOO_LARGE,
  STEP_OUTPUT_TOO_LARGE,
  stateLimitError,
  stepLimitError,
} from "./limits";
import type { FunctionConfig, Registry } from "./registry";
import { canonicalJson, signatureHeaders } from "./signing";
import { type Slot, Slots } from "./slots";
import type { RunStore } from "./store";
import { resolveTime, retryAfterDelay } from "./time";
import {
  type EventPayload,
  isFinished,
  type MemoizedStep,
  type Run,
  type RunStatus,
  type StepRecord,
  type Wait,
} from "./types";

export interface EngineOptions {
  registry: Registry;
  store: RunStore;
  log: (message: string) => void;
  /** Inngest's retry schedule, or the same in milliseconds for tests (limits.ts). */
  backoff: Backoff;
  /** Signs each request to the app as Inngest Cloud does (`X-Inngest-Signature`); without it, dev mode. */
  signingKey?: string;
  /** How often a request is tried again while the app cannot be reached (restarting). */
  unreachableRetryMs: number;
  /** Called when the app cannot be reached, so its registration can be refreshed. */
  onUnreachable: () => void;
}

/** setTimeout's longest delay; longer waits are re-armed when they wake. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const SEEN_EVENTS_KEPT = 10_000;

/** An op in a 206 answer or a checkpoint (OutgoingOp in the SDK); `op` is a StepOpCode. */
export interface Op {
  id: string;
  op: string;
  name?: string;
  displayName?: string;
  opts?: Record<string, unknown>;
  data?: unknown;
  error?: unknown;
  /** When the step ran: start and duration in nanoseconds. */
  timing?: { a: number; b: number };
}

/** The runner's answer to a checkpoint (Inngest's /v1/checkpoint/<run>/async). */
export interface CheckpointAnswer {
  status: number;
  body: unknown;
}

interface AppResponse {
  status: number;
  body: unknown;
  noRetry: boolean;
  retryAfter: string | null;
}

/**
 * Drives runs through the app's `serve()` handler with Inngest's executor protocol: a request
 * without a step (`stepId=step`) lets the function run until it reports what it needs (206 with
 * ops), each result is memoized (keyed by the SDK's sha1 of the step id) and sent back with every
 * later request, and 200 ends the run. Each change is saved before the next request goes out, so
 * a runner or app restart resumes from the last completed step.
 */
export class Engine {
  private readonly runs = new Map<string, Run>();
  private readonly executing = new Map<string, Set<string>>();
  /** The id (`ctx.qi_id`) of each run's discovery request in flight: only it may checkpoint. */
  private readonly discoveries = new Map<string, string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly cronTimers = new Set<NodeJS.Timeout>();
  private readonly seenEvents = new Set<string>();
  private readonly slots = new Slots();
  private closing = false;

  constructor(private readonly options: EngineOptions) {
    options.registry.onChange(() => this.onRegistryChange());
  }

  /** Loads saved runs and resumes the unfinished ones. */
  restore(): void {
    for (const run of this.options.store.load()) this.runs.set(run.id, run);
    for (const run of this.runs.values()) this.pump(run);
  }

  list(): Run[] {
    return [...this.runs.values()].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  /** Stops starting requests, lets the ones in flight finish and saves their results. */
  async close(): Promise<void> {
    this.closing = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    for (const timer of this.cronTimers) clearTimeout(timer);
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Accepts events as the event API does: ids are kept (the SDK's `x-inngest-event-id-seed`
   * makes a retried send carry the same ids), and an id seen before is not processed again.
   */
  ingest(events: Array<Partial<EventPayload>>, idSeed?: string): string[] {
    const now = Date.now();
    const ids: string[] = [];
    for (const [index, raw] of events.entries()) {
      if (typeof raw.name !== "string" || !raw.name) throw new Error("every event needs a name");
      const id = raw.id || (idSeed ? seededEventId(idSeed, index) : ulid());
      ids.push(id);
      if (this.seenEvents.has(id)) continue;
      this.rememberEvent(id);
      const event: EventPayload = { ...raw, id, name: raw.name, data: raw.data ?? {}, ts: raw.ts ?? now };
      this.deliver(event);
    }
    return ids;
  }

  replay(runId: string): Run | undefined {
    const original = this.runs.get(runId);
    if (!original) return undefined;
    const event = { ...original.event, id: ulid(), ts: Date.now() };
    return this.createRun(original.functionId, event, { replayOf: original.id });
  }

  /**
   * Step results the SDK reports while it keeps running (its checkpointing mode, on because
   * discovery requests carry `ctx.fn_id` and `ctx.qi_id`): saved before the SDK goes on, so a
   * long run costs one request per few hundred steps instead of one per step. Answers 409 to a
   * request the run no longer expects (cancelled, or sent before a runner restart): the SDK then
   * stops that execution. A step output or state over Inngest's limit answers 413 as Inngest's
   * checkpoint API does (pkg/api/apiv1/checkpoint.go): the SDK then returns the steps in its
   * response, where they fail the run as Inngest's executor fails it.
   */
  checkpoint(runId: string, dispatchId: string, ops: Op[]): CheckpointAnswer {
    const run = this.runs.get(runId);
    const fn = this.options.registry.function(run?.functionId ?? "");
    if (!run || !fn || isFinished(run) || this.discoveries.get(runId) !== dispatchId)
      return { status: 409, body: { error: "this execution is no longer expected" } };
    const saved = ops.filter((op) => op.op === "StepRun");
    const tooLarge = saved.find((op) => stepOutputBytes(op) > MAX_STEP_OUTPUT_BYTES);
    const refusal = tooLarge
      ? `step ${tooLarge.id} output too large: ${STEP_OUTPUT_TOO_LARGE}`
      : stateBytes(run) + saved.reduce((sum, op) => sum + stepOutputBytes(op), 0) > MAX_STATE_BYTES
        ? `run state size limit exceeded: ${STATE_TOO_LARGE}`
        : undefined;
    if (refusal) return { status: 413, body: { error: refusal, data: { run_id: run.id }, status: 413 } };
    const steps = new Set([...Object.keys(run.steps), ...saved.map((op) => op.id)]).size;
    if (steps > MAX_STEPS) {
      // Inngest's checkpoint API does not count steps, but its docs set the limit for every run:
      // the runner fails one that passes it within a request too, rather than let it through.
      this.end(run, "Failed", { error: stepLimitError() });
      this.options.store.save(run);
      return { status: 409, body: { error: "the run has ended" } };
    }
    const now = Date.now();
    for (const op of ops) {
      this.applyOp(run, fn, op, 0, { status: 206, body: null, noRetry: false, retryAfter: null }, now);
      if (isFinished(run)) break;
    }
    this.options.store.save(run);
    return isFinished(run)
      ? { status: 409, body: { error: "the run has ended" } }
      : { status: 200, body: {} };
  }

  cancel(runId: string, reason: string): boolean {
    const run = this.runs.get(runId);
    if (!run || isFinished(run)) return false;
    this.options.log(`run ${run.id} (${run.functionId}) cancelled: ${reason}`);
    this.end(run, "Cancelled", { error: { name: "RunCancelled", message: reason } });
    this.options.store.save(run);
    return true;
  }

  // ---------------------------------------------------------------- events

  private rememberEvent(id: string) {
    this.seenEvents.add(id);
    if (this.seenEvents.size > SEEN_EVENTS_KEPT) {
      const oldest = this.seenEvents.values().next().value;
      if (oldest !== undefined) this.seenEvents.delete(oldest);
    }
  }

  private deliver(event: EventPayload) {
    for (const run of [...this.runs.values()]) {
      if (isFinished(run)) continue;
      for (const [stepId, wait] of Object.entries(run.waits)) {
        if (wait.kind === "event" && wait.event === event.name && this.matches(wait.if, run.event, event)) {
          this.resolveWait(run, stepId, { type: "data", data: event });
        }
      }
      const cancel = this.options.registry.function(run.functionId)?.cancel ?? [];
      const due = cancel.find(
        (c) =>
          c.event === event.name &&
          (!c.timeout || event.ts <= resolveTime(c.timeout, run.createdAt)) &&
          this.matches(c.if, run.event, event),
      );
      if (due) this.cancel(run.id, `cancelled by event ${event.name} (${event.id})`);
    }
    for (const fn of this.options.registry.functions()) {
      for (const trigger of fn.triggers) {
        if (!("event" in trigger) || !eventNameMatches(trigger.event, event.name)) continue;
        if (trigger.expression && !this.safeMatch(trigger.expression, { event })) continue;
        this.createRun(fn.id, event);
        break;
      }
    }
  }

  /** A wait's or cancel's `if`, with the run's `event` interpolated as Inngest does. */
  private matches(expression: string | undefined, runEvent: EventPayload, incoming: EventPayload): boolean {
    return (
      !expression ||
      this.safeMatch(expression, { event: runEvent, async: incoming }, { interpolated: "event" })
    );
  }

  private safeMatch(expression: string, scope: Record<string, unknown>, options?: EvaluateOptions): boolean {
    try {
      return matchesExpression(expression, scope, options);
    } catch (error) {
      this.options.log(`expression ignored: ${(error as Error).message}`);
      return false;
    }
  }

  // ---------------------------------------------------------------- cron

  private onRegistryChange() {
    if (this.closing) return;
    for (const timer of this.cronTimers) clearTimeout(timer);
    this.cronTimers.clear();
    for (const fn of this.options.registry.functions()) {
      for (const trigger of fn.triggers) if ("cron" in trigger) this.scheduleCron(fn.id, trigger.cron);
    }
    // Requests parked while the app was unreachable go now: the app has just (re)synced.
    for (const run of this.runs.values()) {
      let woken = false;
      for (const request of Object.values(run.requests)) {
        if (request.unreachable) {
          request.at = Date.now();
          woken = true;
        }
      }
      if (woken) this.pump(run);
    }
  }

  /** Arms the next tick after `after`; each tick starts a run whose event `ts` is the scheduled time. */
  private scheduleCron(functionId: string, cron: string, after = new Date()) {
    let next: Date;
    try {
      next = nextCronTime(cron, after);
    } catch (error) {
      this.options.log(`function ${functionId}: cron "${cron}" ignored: ${(error as Error).message}`);
      return;
    }
    const timer = setTimeout(
      () => {
        this.cronTimers.delete(timer);
        if (!this.options.registry.function(functionId)?.triggers.some((t) => "cron" in t && t.cron === cron))
          return;
        const ts = next.getTime();
        this.createRun(functionId, { id: ulid(), name: internalEvents.ScheduledTimer, data: { cron }, ts });
        this.scheduleCron(functionId, cron, new Date(Math.max(Date.now(), ts)));
      },
      Math.min(Math.max(0, next.getTime() - Date.now()), MAX_TIMER_MS),
    );
    this.cronTimers.add(timer);
  }

  // ---------------------------------------------------------------- runs

  private createRun(functionId: string, event: EventPayload, extra: Partial<Run> = {}): Run {
    const run = newRun(functionId, event, extra);
    this.runs.set(run.id, run);
    this.options.store.save(run);
    this.pump(run);
    return run;
  }

  /** Sends every request the run is owed that is due, and wakes it when the next one is. */
  private pump(run: Run) {
    if (this.closing || isFinished(run)) return;
    const now = Date.now();
    if (this.expireWaits(run, now)) this.options.store.save(run);
    const executing = this.executing.get(run.id);
    const stepIds = Object.keys(run.requests).filter((key) => key !== "step");
    let next = Number.POSITIVE_INFINITY;
    for (const stepId of stepIds) {
      const request = run.requests[stepId];
      if (!request || executing?.has(stepId)) continue;
      if (request.at <= now) this.dispatch(run, stepId);
      else next = Math.min(next, request.at);
    }
    // Discovery runs the function from the top; it waits until no step is running or retrying,
    // or the SDK would execute a pending step again.
    const discovery = run.requests.step;
    if (discovery && !executing?.size && stepIds.length === 0) {
      if (discovery.at <= now) this.dispatch(run, "step");
      else next = Math.min(next, discovery.at);
    }
    for (const wait of Object.values(run.waits))
      if (wait.until !== undefined) next = Math.min(next, wait.until);
    if (next < Number.POSITIVE_INFINITY) this.wake(run, next);
  }

  private wake(run: Run, at: number) {
    const existing = this.timers.get(run.id);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(run.id);
        this.pump(run);
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    );
    this.timers.set(run.id, { at, timer });
  }

  private dispatch(run: Run, key: string) {
    const executing = this.executing.get(run.id) ?? new Set<string>();
    this.executing.set(run.id, executing);
    executing.add(key);
    const task = this.execute(run, key)
      .catch((error) => this.options.log(`run ${run.id}: ${(error as Error).stack ?? error}`))
      .finally(() => {
        executing.delete(key);
        if (executing.size === 0) this.executing.delete(run.id);
        this.inflight.delete(task);
        this.pump(run);
      });
    this.inflight.add(task);
  }

  private async execute(run: Run, key: string) {
    const fn = this.options.registry.function(run.functionId);
    const request = run.requests[key];
    if (!request) return;
    if (!fn) {
      // Not synced yet (e.g. the runner restarted before the app re-synced): try again later.
      request.unreachable = true;
      request.at = Date.now() + this.options.unreachableRetryMs;
      this.options.onUnreachable();
      return;
    }
    const release = await this.slots.acquire(concurrencySlots(fn, run.event), run.createdAt);
    try {
      if (this.closing || isFinished(run) || run.requests[key] !== request) return;
      if (run.status === "Queued") {
        run.status = "Running";
        run.startedAt = Date.now();
      }
      if (Object.keys(run.steps).length >= MAX_STEPS) {
        // Inngest checks before each execution (pkg/execution/executor/validate.go checkStepLimit).
        this.end(run, "Failed", { error: stepLimitError() });
        this.options.store.save(run);
        return;
      }
      if (key !== "step") this.record(run, key, { status: "running", attempts: request.attempt });
      let response: AppResponse;
      try {
        response = await this.call(fn, run, key, request.attempt);
      } catch (error) {
        if (!request.unreachable)
          this.options.log(`run ${run.id}: app unreachable (${(error as Error).message})`);
        request.unreachable = true;
        request.at = Date.now() + this.options.unreachableRetryMs;
        this.options.onUnreachable();
        this.options.store.save(run);
        return;
      }
      if (isFinished(run)) return;
      delete run.requests[key];
      const children = this.apply(run, fn, key, request.attempt, response);
      for (const child of children) {
        this.runs.set(child.id, child);
        this.options.store.save(child);
      }
      this.options.store.save(run);
      for (const child of children) this.pump(child);
    } finally {
      release();
    }
  }

  /**
   * POSTs to the function's step URL. Discovery requests (`stepId=step`) carry `ctx.fn_id` and
   * `ctx.qi_id`, which turns on the SDK's checkpointing (see `checkpoint`).
   */
  private async call(fn: FunctionConfig, run: Run, key: string, attempt: number): Promise<AppResponse> {
    const url = new URL(stepUrl(fn));
    url.searchParams.set(queryKeys.StepId, key);
    const dispatchId = key === "step" ? ulid() : undefined;
    if (dispatchId) this.discoveries.set(run.id, dispatchId);
    run.appRequests++;
    try {
      const body = canonicalJson({
        event: run.event,
        events: [run.event],
        steps: run.steps,
        ctx: {
          run_id: run.id,
          attempt,
          max_attempts: maxAttempts(fn),
          stack: { stack: run.stack, current: run.stack.length },
          disable_immediate_execution: false,
          use_api: false,
          ...(dispatchId ? { fn_id: run.functionId, qi_id: dispatchId } : {}),
        },
        version: 2,
      });
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...signatureHeaders(body, this.options.signingKey) },
        body,
      });
      return await readResponse(res);
    } finally {
      if (dispatchId && this.discoveries.get(run.id) === dispatchId) this.discoveries.delete(run.id);
    }
  }

  /** Applies the app's answer to the run; returns invoked runs to start once the run is saved. */
  private apply(run: Run, fn: FunctionConfig, key: string, attempt: number, res: AppResponse): Run[] {
    const now = Date.now();
    if (res.status === 200) {
      this.end(run, "Completed", { output: res.body });
      return [];
    }
    const ops = res.status === 206 && Array.isArray(res.body) ? (res.body as Op[]) : undefined;
    // Inngest validates every op before it handles any (pkg/execution/driver/httpdriver/parse.go).
    const tooLarge = ops?.find((op) => op.op === "StepRun" && stepOutputBytes(op) > MAX_STEP_OUTPUT_BYTES);
    if (!ops || tooLarge) {
      // An error outside any step, a step the function no longer reaches, or an op over Inngest's
      // limits: the request is retried.
      const error = tooLarge
        ? {
            name: "Error",
            message: `error validating generator opcode ${tooLarge.id}: ${STEP_OUTPUT_TOO_LARGE}`,
          }
        : res.body;
      if (res.noRetry || attempt + 1 >= maxAttempts(fn)) this.end(run, "Failed", { error });
      else
        run.requests[key] = { attempt: attempt + 1, at: now + this.retryDelay(attempt + 1, res.retryAfter) };
      return [];
    }
    if (ops.length > MAX_STEPS) {
      // executor.go HandleGeneratorResponse: a plan over the step limit fails the run at once.
      this.end(run, "Failed", { error: stepLimitError() });
      return [];
    }
    const children: Run[] = [];
    try {
      for (const op of ops) {
        const child = this.applyOp(run, fn, op, attempt, res, now);
        if (child) children.push(child);
        if (isFinished(run)) return [];
      }
    } catch (error) {
      // An op the runner cannot follow (e.g. a time it cannot read): fail the run visibly.
      this.end(run, "Failed", {
        error: { name: "Error", message: `local runner: ${(error as Error).message}` },
      });
      return [];
    }
    if (Object.keys(run.requests).length === 0 && Object.keys(run.waits).length === 0) {
      this.end(run, "Failed", {
        error: { name: "Error", message: "the function reported nothing left to run" },
      });
    }
    return children;
  }

  /** A step that failed for good: its error is memoized for the function to catch or fail with. */
  private failStep(run: Run, op: Op, name: string, attempts: number, now: number) {
    this.memoize(run, op.id, { type: "error", error: op.error }, now);
    this.record(run, op.id, {
      name,
      op: op.op,
      status: "failed",
      attempts,
      ...ranAt(op, now),
      error: op.error,
    });
  }

  private applyOp(run: Run, fn: FunctionConfig, op: Op, attempt: number, res: AppResponse, now: number) {
    const name = op.displayName ?? op.name ?? op.id;
    const known = op.id in run.steps || op.id in run.waits || op.id in run.requests;
    switch (op.op) {
      case "StepRun":
        this.memoize(run, op.id, { type: "data", data: op.data ?? null }, now);
        this.record(run, op.id, {
          name,
          op: op.op,
          status: "completed",
          attempts: attempt + 1,
          ...ranAt(op, now),
        });
        return;
      case "StepError": {
        const next = attempt + 1;
        if (res.noRetry || next >= maxAttempts(fn)) {
          this.failStep(run, op, name, next, now);
        } else {
          run.requests[op.id] = { attempt: next, at: now + this.retryDelay(next, res.retryAfter) };
          this.record(run, op.id, { name, op: op.op, status: "retrying", attempts: next, error: op.error });
        }
        return;
      }
      case "StepFailed":
        this.failStep(run, op, name, attempt + 1, now);
        return;
      case "StepPlanned":
        if (known) return;
        run.requests[op.id] = { attempt: 0, at: now };
        this.record(run, op.id, { name, op: op.op, status: "planned", attempts: 0 });
        return;
      case "Sleep":
        if (known) return;
        run.waits[op.id] = { kind: "sleep", until: resolveTime(String(op.name), now) };
        this.record(run, op.id, { name: op.displayName ?? op.id, op: op.op, status: "waiting", attempts: 0 });
        return;
      case "WaitForEvent":
        if (known) return;
        run.waits[op.id] = {
          kind: "event",
          event: String(op.name),
          until: resolveTime(String(op.opts?.timeout), now),
          ...(typeof op.opts?.if === "string" ? { if: op.opts.if } : {}),
        };
        this.record(run, op.id, { name: op.displayName ?? op.id, op: op.op, status: "waiting", attempts: 0 });
        return;
      case "InvokeFunction":
        if (known) return;
        return this.invoke(run, op, now);
      case "RunComplete":
        this.end(run, "Completed", { output: op.data ?? null });
        return;
      default:
        this.end(run, "Failed", {
          error: {
            name: "NonRetriableError",
            message: `step op ${op.op} is not supported by the local runner`,
          },
        });
    }
  }

  private invoke(run: Run, op: Op, now: number): Run | undefined {
    const functionId = String(op.opts?.function_id);
    const payload = (op.opts?.payload ?? {}) as { data?: Record<string, unknown> };
    const timeout = typeof op.opts?.timeout === "string" ? resolveTime(op.opts.timeout, now) : undefined;
    this.record(run, op.id, { name: op.displayName ?? op.id, op: op.op, status: "waiting", attempts: 0 });
    if (!this.options.registry.function(functionId)) {
      const error = { name: "Error", message: `could not invoke ${functionId}: no such function is synced` };
      this.memoize(run, op.id, { type: "error", error }, now);
      this.record(run, op.id, { status: "failed", endedAt: now, error });
      return;
    }
    const child = newRun(
      functionId,
      { id: ulid(now), name: internalEvents.FunctionInvoked, data: payload.data ?? {}, ts: now },
      { invokedBy: { runId: run.id, stepId: op.id } },
    );
    run.waits[op.id] = { kind: "invoke", runId: child.id, ...(timeout ? { until: timeout } : {}) };
    return child;
  }

  /** Ends waits whose time has come; returns whether any did. */
  private expireWaits(run: Run, now: number): boolean {
    let changed = false;
    for (const [stepId, wait] of Object.entries(run.waits)) {
      if (wait.until === undefined || wait.until > now) continue;
      changed = true;
      this.memoize(run, stepId, expiredWaitResult(wait), now);
      this.record(run, stepId, { status: wait.kind === "invoke" ? "failed" : "completed", endedAt: now });
    }
    return changed;
  }

  private resolveWait(run: Run, stepId: string, result: MemoizedStep) {
    this.memoize(run, stepId, result, Date.now());
    this.record(run, stepId, {
      status: result.type === "data" ? "completed" : "failed",
      endedAt: Date.now(),
      ...(result.type === "error" ? { error: result.error } : {}),
    });
    this.options.store.save(run);
    this.pump(run);
  }

  /** Saves a step's result; one that would take the run's state over Inngest's limit fails the run. */
  private memoize(run: Run, stepId: string, result: MemoizedStep, now: number) {
    if (isFinished(run)) return;
    const previous = run.steps[stepId];
    run.stateBytes = stateBytes(run) + resultBytes(result) - (previous ? resultBytes(previous) : 0);
    if (run.stateBytes > MAX_STATE_BYTES) {
      // executor.go validateStateSize: the run fails at once, without retries.
      this.end(run, "Failed", { error: stateLimitError() });
      return;
    }
    run.steps[stepId] = result;
    if (!run.stack.includes(stepId)) run.stack.push(stepId);
    delete run.requests[stepId];
    delete run.waits[stepId];
    run.requests.step ??= { attempt: 0, at: now };
  }

  private record(run: Run, stepId: string, patch: Partial<StepRecord>) {
    const existing = run.history[stepId];
    run.history[stepId] = {
      id: stepId,
      name: stepId,
      op: "",
      status: "planned",
      attempts: 0,
      startedAt: Date.now(),
      ...existing,
      ...patch,
    };
  }

  private end(run: Run, status: RunStatus, outcome: { output?: unknown; error?: unknown }) {
    run.status = status;
    run.endedAt = Date.now();
    run.requests = {};
    run.waits = {};
    if ("output" in outcome) run.output = outcome.output;
    if ("error" in outcome) run.error = outcome.error;
    const level = status === "Completed" ? "completed" : status.toLowerCase();
    this.options.log(`run ${run.id} (${run.functionId}) ${level}`);
    // After the caller has saved the run (callers save before they yield).
    queueMicrotask(() => this.settle(run));
  }

  /**
   * After a run ends: answers the run that invoked it, and announces a failure or a cancel as
   * Inngest does, to the functions subscribed to it (onFailure handlers, cleanup after a cancel).
   */
  private settle(run: Run) {
    const parent = run.invokedBy && this.runs.get(run.invokedBy.runId);
    const stepId = run.invokedBy?.stepId;
    if (parent && stepId && !isFinished(parent) && parent.waits[stepId]) {
      this.resolveWait(
        parent,
        stepId,
        run.status === "Completed" ? { type: "data", data: run.output } : { type: "error", error: run.error },
      );
    }
    const announced = lifecycleEvent(run);
    if (announced) this.ingest([announced]);
  }

  /** Before `attempt` (1-based): as `retry-after` says (RetryAfterError), else Inngest's backoff. */
  private retryDelay(attempt: number, retryAfter: string | null): number {
    return retryAfterDelay(retryAfter, Date.now()) ?? backoffDelay(this.options.backoff, attempt - 1);
  }
}

/**
 * `inngest/function.failed` or `inngest/function.cancelled` for a run that ended so, as Inngest's
 * executor sends it (pkg/execution/executor/finalize.go `finalizeEvents`): the run's id as the
 * event's id, the function's slug, the run, its triggering event(s), the error of a failed run,
 * and `_inngest.status`. A run started by a failure is not announced (no handler of a handler).
 */
function lifecycleEvent(run: Run): EventPayload | undefined {
  const name =
    run.status === "Failed"
      ? internalEvents.FunctionFailed
      : run.status === "Cancelled"
        ? internalEvents.FunctionCancelled
        : undefined;
  if (!name || run.event.name === internalEvents.FunctionFailed) return undefined;
  return {
    id: run.id,
    name,
    ts: Date.now(),
    data: {
      function_id: run.functionId,
      run_id: run.id,
      event: run.event,
      events: [run.event],
      ...(name === internalEvents.FunctionFailed ? { error: run.error } : {}),
      _inngest: { status: run.status },
    },
  };
}

async function readResponse(res: Response): Promise<AppResponse> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (e.g. a framework's error page): kept as text for the run's error.
  }
  return {
    status: res.status,
    body,
    noRetry: res.headers.get(headerKeys.NoRetry) === "true",
    retryAfter: res.headers.get(headerKeys.RetryAfter),
  };
}

/** A step's start and end as the SDK timed it, else its end as now. */
function ranAt(op: Op, now: number): Partial<StepRecord> {
  if (!op.timing) return { endedAt: now };
  return { startedAt: op.timing.a / 1e6, endedAt: (op.timing.a + op.timing.b) / 1e6 };
}

/** A step's output as Inngest saves it: `{"data":…}` (GeneratorOpcode.Output in pkg/execution/state). */
function stepOutputBytes(op: Op): number {
  return jsonBytes({ data: op.data ?? null });
}

function resultBytes(result: MemoizedStep): number {
  return result.type === "data" ? jsonBytes({ data: result.data }) : jsonBytes({ error: result.error });
}

/** The run's state as Inngest counts it: its event and every saved step result. */
function stateBytes(run: Run): number {
  run.stateBytes ??= Object.values(run.steps).reduce(
    (sum, step) => sum + resultBytes(step),
    jsonBytes(run.event),
  );
  return run.stateBytes;
}

function newRun(functionId: string, event: EventPayload, extra: Partial<Run>): Run {
  const now = Date.now();
  return {
    id: ulid(now),
    functionId,
    status: "Queued",
    event,
    steps: {},
    stack: [],
    waits: {},
    requests: { step: { attempt: 0, at: now } },
    history: {},
    appRequests: 0,
    stateBytes: jsonBytes(event),
    createdAt: now,
    ...extra,
  };
}

function stepUrl(fn: FunctionConfig): string {
  const step = fn.steps.step ?? Object.values(fn.steps)[0];
  if (!step) throw new Error(`function ${fn.id} has no step URL`);
  return step.runtime.url;
}

function maxAttempts(fn: FunctionConfig): number {
  const retries = (fn.steps.step ?? Object.values(fn.steps)[0])?.retries?.attempts;
  return (retries ?? DEFAULT_RETRIES) + 1;
}

function concurrencySlots(fn: FunctionConfig, event: EventPayload): Slot[] {
  const options = fn.concurrency === undefined ? [] : [fn.concurrency].flat();
  return options.flatMap((option) => {
    const { limit, key, scope } = typeof option === "number" ? { limit: option } : option;
    if (!limit || limit <= 0) return [];
    const value = key ? String(evaluateKey(key, event) ?? "") : "";
    return [{ key: JSON.stringify([scope && scope !== "fn" ? scope : fn.id, key ?? "", value]), limit }];
  });
}

/** A key that cannot be evaluated groups the run with every other such run, rather than stalling it. */
function evaluateKey(key: string, event: EventPayload): unknown {
  try {
    return evaluateExpression(key, { event });
  } catch {
    return undefined;
  }
}

function eventNameMatches(trigger: string, name: string): boolean {
  return trigger === name || (trigger.endsWith("*") && name.startsWith(trigger.slice(0, -1)));
}

function expiredWaitResult(wait: Wait): MemoizedStep {
  if (wait.kind === "invoke") {
    return {
      type: "error",
      error: { name: "InngestInvokeTimeoutError", message: "timed out waiting for the invoked function" },
    };
  }
  return { type: "data", data: null };
}

/** A ULID-shaped event id derived from the SDK's seed ("<ms>,<base64 entropy>") and the event's index. */
function seededEventId(seed: string, index: number): string {
  const [ms] = seed.split(",");
  const time = Number(ms);
  const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const hash = createHash("sha256").update(`${seed}:${index}`).digest();
  const random = Array.from(hash.subarray(0, 16), (byte) => crockford[byte % 32]).join("");
  return `${encodeTime(Number.isFinite(time) ? time : Date.now(), 10)}${random}`;
}

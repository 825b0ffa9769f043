import { yielder } from "@/lib/async/yield";
import type { Db, Prisma, SyncRun, UserSync } from "@/lib/db";
import type { DirectoryProvider, ListOptions, Page } from "@/lib/directory/types";
import type { Tx } from "./sql";
import { INCREMENTAL_OVERLAP_MS, type StepBudget, type SyncState, type SyncStepResult } from "./types";

/** What one step works with: the run as it stood when the step began. */
export interface StepContext {
  db: Db;
  directory: CountingDirectory;
  now: Date;
  budget: StepBudget;
  run: SyncRun;
  sync: UserSync;
}

export type Step = (ctx: StepContext, state: SyncState) => Promise<SyncStepResult>;

/** The SyncRun counters a step adds to. */
export type RunCounts = Partial<
  Record<
    | "pagesFetched"
    | "usersProcessed"
    | "usersCreated"
    | "usersUpdated"
    | "usersUnchanged"
    | "usersDeleted"
    | "usersDeprovisioned"
    | "usersFailed"
    | "groupsCreated"
    | "groupsUpdated"
    | "groupsDeleted"
    | "membershipsAdded"
    | "membershipsRemoved",
    number
  >
>;

export interface StepOutcome {
  next: SyncState;
  counts?: RunCounts;
  /** Other columns of the run to set, such as its status. */
  run?: Prisma.SyncRunUpdateManyMutationInput;
}

/** The step's run moved on while it worked (another attempt applied it, or it was ended). */
export class StaleStepError extends Error {}

/**
 * Applies a step exactly once: its writes, the run's counters and the next checkpoint commit
 * together, and only if the run is still at this step (compare-and-set on `stepSeq` and status).
 * The claim comes first, so a concurrent attempt of the same step waits on the row and then fails.
 */
export async function commitStep(
  ctx: StepContext,
  state: SyncState,
  work: (tx: Tx) => Promise<StepOutcome>,
): Promise<SyncState> {
  const { id, status } = ctx.run;
  return ctx.db.$transaction(
    async (tx) => {
      const claim = await tx.syncRun.updateMany({
        where: { id, stepSeq: state.seq, status },
        data: { stepSeq: state.seq + 1 },
      });
      if (claim.count !== 1) throw new StaleStepError(`Run ${id} is no longer at step ${state.seq}`);
      const outcome = await work(tx);
      const next: SyncState = { ...outcome.next, seq: state.seq + 1 };
      await tx.syncRun.update({
        where: { id },
        data: {
          ...outcome.run,
          ...increments({ ...outcome.counts, ...ctx.directory.takeUsage() }),
          phase: next.phase,
          checkpoint: next as unknown as Prisma.InputJsonObject,
        },
      });
      return next;
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
}

function increments(counts: Record<string, number | undefined>) {
  return Object.fromEntries(
    Object.entries(counts)
      .filter(([, n]) => n)
      .map(([column, n]) => [column, { increment: n }]),
  );
}

export const running = (state: SyncState): SyncStepResult => ({ status: "running", state });

/** A provider that counts its calls and waits, for the run's `oktaRequests` and `rateLimitWaitMs`. */
export class CountingDirectory implements DirectoryProvider {
  private calls = 0;
  private waitedBefore: number;

  constructor(private readonly provider: DirectoryProvider) {
    this.waitedBefore = provider.waitedMs ?? 0;
  }

  get memberPageSize(): number {
    return this.provider.memberPageSize;
  }

  /** The calls made and the time waited since the last take. */
  takeUsage(): { oktaRequests: number; rateLimitWaitMs: number } {
    const waited = this.provider.waitedMs ?? 0;
    const usage = { oktaRequests: this.calls, rateLimitWaitMs: Math.round(waited - this.waitedBefore) };
    this.calls = 0;
    this.waitedBefore = waited;
    return usage;
  }

  listUsers(...args: Parameters<DirectoryProvider["listUsers"]>) {
    this.calls++;
    return this.provider.listUsers(...args);
  }

  listGroups(...args: Parameters<DirectoryProvider["listGroups"]>) {
    this.calls++;
    return this.provider.listGroups(...args);
  }

  listGroupMembers(...args: Parameters<DirectoryProvider["listGroupMembers"]>) {
    this.calls++;
    return this.provider.listGroupMembers(...args);
  }

  get hasChangeLog(): boolean {
    return this.provider.listChanges !== undefined;
  }

  listChanges(...args: Parameters<NonNullable<DirectoryProvider["listChanges"]>>) {
    if (!this.provider.listChanges) throw new Error("The directory has no change log");
    this.calls++;
    return this.provider.listChanges(...args);
  }
}

/** Up to `limit` pages from `cursor` on; `next` is null when the listing is complete. */
export async function fetchPages<T>(
  limit: number,
  cursor: string | null,
  list: (cursor: string | null) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number; next: string | null }> {
  const items: T[] = [];
  const pause = yielder();
  let pages = 0;
  let next = cursor;
  do {
    await pause();
    const page = await list(next);
    pages++;
    items.push(...page.items);
    next = page.next;
  } while (next !== null && pages < limit);
  return { items, pages, next };
}

/** An incremental run lists what changed since the previous run began, less a margin for skew. */
export function listOptions(ctx: StepContext): ListOptions {
  const from = ctx.sync.lastSyncedFrom;
  if (ctx.run.mode !== "INCREMENTAL" || !from) return {};
  return { updatedSince: new Date(from.getTime() - INCREMENTAL_OVERLAP_MS) };
}

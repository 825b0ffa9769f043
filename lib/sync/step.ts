import { yielder } from "@/lib/async/yield";
import type { Db, Prisma, SyncRun, UserSync } from "@/lib/db";
import type { DirectoryProvider, FeedPositions, Page } from "@/lib/directory/types";
import type { ChangeSource } from "./changes";
import type { Tx } from "./sql";
import type { StepBudget, SyncState, SyncStepResult } from "./types";

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

/**
 * A provider that counts its requests and waits, for the run's `oktaRequests` and
 * `rateLimitWaitMs`: the requests it says it sent (`requestCount`: retries, and a call's requests
 * beyond one, included), else its calls.
 */
export class CountingDirectory implements DirectoryProvider {
  private calls = 0;
  private sentBefore: number;
  private waitedBefore: number;

  constructor(private readonly provider: DirectoryProvider) {
    this.sentBefore = provider.requestCount ?? 0;
    this.waitedBefore = provider.waitedMs ?? 0;
  }

  get memberPageSize(): number {
    return this.provider.memberPageSize;
  }

  /** The requests made and the time waited since the last take. */
  takeUsage(): { oktaRequests: number; rateLimitWaitMs: number } {
    const sent = this.provider.requestCount;
    const waited = this.provider.waitedMs ?? 0;
    const usage = {
      oktaRequests: sent === undefined ? this.calls : sent - this.sentBefore,
      rateLimitWaitMs: Math.round(waited - this.waitedBefore),
    };
    this.calls = 0;
    this.sentBefore = sent ?? 0;
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

  get changeSource(): ChangeSource {
    const feed = this.provider.changeFeed;
    if (feed) return { kind: "feed", retentionMs: feed.retentionMs };
    return this.provider.listChanges ? { kind: "log" } : null;
  }

  feedPositions(): Promise<FeedPositions> {
    if (!this.provider.changeFeed) throw new Error("The directory has no change feed");
    this.calls++;
    return this.provider.changeFeed.positions();
  }

  listChanges(...args: Parameters<NonNullable<DirectoryProvider["listChanges"]>>) {
    if (!this.provider.listChanges) throw new Error("The directory has no change log");
    this.calls++;
    return this.provider.listChanges(...args);
  }
}

export interface FetchedPages<T> {
  items: T[];
  pages: number;
  /** Null when the listing is complete. */
  next: string | null;
  /** A delta listing's removed entries (`Page.removed`). */
  removed: string[];
  /** A complete delta listing's last position (`Page.position`). */
  position: string | null;
}

/** Up to `limit` pages from `cursor` on. */
export async function fetchPages<T>(
  limit: number,
  cursor: string | null,
  list: (cursor: string | null) => Promise<Page<T>>,
): Promise<FetchedPages<T>> {
  const items: T[] = [];
  const removed: string[] = [];
  const pause = yielder();
  let pages = 0;
  let next = cursor;
  let position: string | null = null;
  do {
    await pause();
    const page = await list(next);
    pages++;
    items.push(...page.items);
    if (page.removed) removed.push(...page.removed);
    next = page.next;
    position = page.position ?? null;
  } while (next !== null && pages < limit);
  return { items, pages, next, removed, position: next === null ? position : null };
}

import { randomBytes } from "node:crypto";
import type { Db, Prisma, SyncRun, SyncTrigger, UserSync } from "@/lib/db";
import { createTestDb, type TestDb } from "@/test-support/db";
import { advanceSync } from "../engine";
import { failRun, startRunRequest } from "../run";
import type { StepBudget, SyncDeps, SyncState, SyncStepResult } from "../types";
import { MemoryDirectory, type MemoryDirectoryOptions } from "./memory-directory";

/** A test file's database, migrated now: in `beforeAll`, whose timeout suits a cold PGlite start. */
export async function openTestDb(): Promise<TestDb> {
  const testDb = await createTestDb();
  await testDb.db.organization.count();
  return testDb;
}

/** A clock the directory and the engine share, moved by hand. */
export class TestClock {
  private ms: number;

  constructor(start = "2026-11-01T09:00:00.000Z") {
    this.ms = Date.parse(start);
  }

  now = (): Date => new Date(this.ms);

  advance(ms: number): void {
    this.ms += ms;
  }
}

export const HOUR = 3600_000;

/** An organization with an administrator and one Okta user sync. */
export async function createUserSync(
  db: Db,
  settings: Partial<Prisma.UserSyncUncheckedCreateInput> = {},
): Promise<{ sync: UserSync; adminId: string }> {
  const suffix = randomBytes(4).toString("hex");
  const organizationId =
    settings.organizationId ??
    (await db.organization.create({ data: { name: `Org ${suffix}`, slug: suffix } })).id;
  const admin = await db.user.create({ data: { email: `admin-${suffix}@acme.test`, name: "Adam Admin" } });
  const sync = await db.userSync.create({
    data: {
      name: `Okta ${suffix}`,
      domain: "acme.okta.com",
      credentialCiphertext: "ciphertext",
      credentialHint: "abcd",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
      createdById: admin.id,
      ...settings,
      organizationId,
    },
  });
  return { sync, adminId: admin.id };
}

/** A sync, a directory and a clock they share, and the deps to run the one from the other. */
export async function syncHarness(
  db: Db,
  options: {
    settings?: Partial<Prisma.UserSyncUncheckedCreateInput>;
    directory?: MemoryDirectoryOptions;
    budget?: Partial<StepBudget>;
  } = {},
) {
  const clock = new TestClock();
  const directory = new MemoryDirectory({ now: clock.now, ...options.directory });
  const { sync, adminId } = await createUserSync(db, options.settings);
  const deps: SyncDeps = { db, provider: directory, now: clock.now, budget: options.budget };
  return {
    clock,
    directory,
    sync,
    adminId,
    deps,
    run: (runOptions?: RunOptions) => runSync(deps, sync, runOptions),
  };
}

export interface DriveOptions {
  /** Attempts per step before the run is failed, as an Inngest function with retries would. */
  attempts?: number;
}

export interface Drive {
  run: SyncRun;
  result: SyncStepResult;
  /** Every step's output, in order (failed attempts excluded). */
  outputs: SyncStepResult[];
}

export type RunOptions = DriveOptions & {
  forceFull?: boolean;
  /** MANUAL (SYNC DATA, the default) or SCHEDULED: they differ when the change log cannot be read. */
  trigger?: SyncTrigger;
  /** A preview (dry run): records what SYNC DATA would do and writes none of it. */
  preview?: boolean;
};

/** Starts a run of the sync (QUEUED, no step applied yet); returns its id. */
export async function startRun(db: Db, sync: UserSync, options: RunOptions = {}): Promise<string> {
  const start = await startRunRequest(db, {
    organizationId: sync.organizationId,
    userSyncId: sync.id,
    trigger: options.trigger ?? "MANUAL",
    startedById: null,
    forceFull: options.forceFull,
    preview: options.preview,
  });
  if (!start.started) throw new Error("The sync already has an active run");
  return start.run.id;
}

/** Starts a run of the sync and drives it like the Inngest function, until it ends or blocks. */
export async function runSync(deps: SyncDeps, sync: UserSync, options: RunOptions = {}): Promise<Drive> {
  return driveRun(deps, await startRun(deps.db, sync, options), { seq: 0 }, options);
}

/** A user imported by another sync of the organization, holding this email. */
export async function userOfAnotherSync(db: Db, organizationId: string, email: string) {
  const other = await createUserSync(db, { organizationId });
  return db.directoryUser.create({
    data: {
      organizationId,
      userSyncId: other.sync.id,
      externalId: "azure-1",
      email,
      emailKey: email.toLowerCase(),
      status: "ACTIVE",
    },
  });
}

/** Calls `advanceSync` from `state` until the run ends or blocks; a step that keeps failing fails the run. */
export async function driveRun(
  deps: SyncDeps,
  runId: string,
  state: Pick<SyncState, "seq">,
  { attempts = 1 }: DriveOptions = {},
): Promise<Drive> {
  const outputs: SyncStepResult[] = [];
  let input = state;
  for (;;) {
    const result = await attemptStep(deps, runId, input, attempts);
    outputs.push(result);
    if (result.status !== "running") {
      return { run: await deps.db.syncRun.findUniqueOrThrow({ where: { id: runId } }), result, outputs };
    }
    input = result.state;
  }
}

async function attemptStep(
  deps: SyncDeps,
  runId: string,
  input: Pick<SyncState, "seq">,
  attempts: number,
): Promise<SyncStepResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await advanceSync(deps, runId, input);
    } catch (error) {
      if (attempt < attempts) continue;
      await failRun(deps.db, runId, error);
      return { status: "finished", runStatus: "FAILED" };
    }
  }
}

/** Everything a sync wrote, to compare before and after a run that should change nothing. */
export async function snapshot(db: Db, userSyncId: string) {
  const users = await db.directoryUser.findMany({ where: { userSyncId }, orderBy: { id: "asc" } });
  const groups = await db.userGroup.findMany({ where: { userSyncId }, orderBy: { id: "asc" } });
  const memberships = await db.groupMembership.findMany({
    where: { group: { userSyncId } },
    orderBy: [{ groupId: "asc" }, { userId: "asc" }],
  });
  return { users, groups, memberships };
}

/** `{ externalId: [group externalIds] }` of the sync's memberships. */
export async function membershipMap(db: Db, userSyncId: string): Promise<Record<string, string[]>> {
  const rows = await db.groupMembership.findMany({
    where: { group: { userSyncId } },
    select: { group: { select: { externalId: true } }, user: { select: { externalId: true } } },
  });
  const map: Record<string, string[]> = {};
  for (const { group, user } of rows) {
    const key = group.externalId ?? "";
    map[key] = [...(map[key] ?? []), user.externalId ?? ""].sort();
  }
  return map;
}

/** A run's change counters. */
export const RUN_COUNTERS = [
  "usersCreated",
  "usersUpdated",
  "usersUnchanged",
  "usersDeleted",
  "usersDeprovisioned",
  "usersFailed",
  "groupsCreated",
  "groupsUpdated",
  "groupsDeleted",
  "membershipsAdded",
  "membershipsRemoved",
] as const satisfies readonly (keyof SyncRun)[];

/** A run's counters when it changed nothing. */
export const NO_CHANGES = Object.fromEntries(RUN_COUNTERS.map((counter) => [counter, 0])) as Record<
  (typeof RUN_COUNTERS)[number],
  number
>;

/** The named fields of a run, for exact comparisons. */
export function pickRun<K extends keyof SyncRun>(run: SyncRun, keys: readonly K[]): Pick<SyncRun, K> {
  return Object.fromEntries(keys.map((key) => [key, run[key]])) as Pick<SyncRun, K>;
}

/** The run's counters, for exact comparisons. */
export const countsOf = (run: SyncRun) => pickRun(run, RUN_COUNTERS);

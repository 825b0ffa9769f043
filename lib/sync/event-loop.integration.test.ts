import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncRunStatus } from "@/lib/db";
import { createPostgresTestDb, type TestDb } from "@/test-support/db";
import { type Block, EventLoopWatch } from "@/test-support/event-loop";
import { advanceSync } from "./engine";
import { startRunRequest } from "./run";
import { syncHarness } from "./testing/fixtures";
import type { MemoryDirectory } from "./testing/memory-directory";
import type { SyncDeps, SyncPhase } from "./types";

// The sync's steps run in the app's own process (Inngest's serve() route): while a step holds the
// event loop, no page is served. PostgreSQL itself, not PGlite: PGlite runs its queries on this
// thread.
let t: TestDb;
beforeAll(async () => {
  t = await createPostgresTestDb();
});
afterAll(() => t?.close());

/**
 * The CPU time a step may hold the event loop for, with room for a slow machine. CPU time, not
 * wall time, so other processes on the machine cannot fail the test; the wall time is reported.
 */
const MAX_BLOCK_CPU_MS = 100;

/** `users` users with a few profile attributes, in `groups` groups (3 each) and Everyone. */
function fillDirectory(directory: MemoryDirectory, users: number, groups: number): string[] {
  const ids = Array.from({ length: users }, (_, i) => `00u${String(i).padStart(8, "0")}`);
  for (const [i, id] of ids.entries()) {
    directory.putUser({
      externalId: id,
      extra: {
        department: `Department ${i % 40}`,
        title: "Engineer",
        city: "Lyon",
        employeeNumber: String(i),
      },
    });
  }
  directory.putGroup({ externalId: "00geveryone", name: "Everyone", type: "BUILT_IN" });
  directory.setMembers("00geveryone", ids);
  for (let g = 0; g < groups; g++) {
    const groupId = `00g${String(g).padStart(8, "0")}`;
    directory.putGroup({ externalId: groupId });
    directory.setMembers(
      groupId,
      ids.filter((_, i) => [i, i * 7, i * 13].some((n) => n % groups === g)),
    );
  }
  return ids;
}

/**
 * Runs a full sync to its end, one `advanceSync` at a time as the Inngest function does, and
 * returns the longest block of the event loop during each phase's steps.
 */
async function syncWatched(deps: SyncDeps, organizationId: string, userSyncId: string) {
  const start = await startRunRequest(deps.db, {
    organizationId,
    userSyncId,
    trigger: "MANUAL",
    startedById: null,
    forceFull: true,
  });
  if (!start.started) throw new Error("The sync already has an active run");
  const blocks: Partial<Record<SyncPhase, Block>> = {};
  const watch = new EventLoopWatch();
  let state = { seq: 0 };
  let phase: SyncPhase = "QUEUED";
  let status: SyncRunStatus | null = null;
  try {
    while (status === null) {
      watch.take();
      const result = await advanceSync(deps, start.run.id, state);
      await delay(10); // the watch's timer runs once more: the step's last turn counts
      const block = watch.take();
      const before = blocks[phase] ?? { wallMs: 0, cpuMs: 0 };
      blocks[phase] = {
        wallMs: Math.round(Math.max(before.wallMs, block.wallMs)),
        cpuMs: Math.round(Math.max(before.cpuMs, block.cpuMs)),
      };
      if (result.status === "running") {
        state = result.state;
        phase = result.state.phase;
      } else status = result.status === "finished" ? result.runStatus : "BLOCKED";
    }
  } finally {
    watch.stop();
  }
  const run = await deps.db.syncRun.findUniqueOrThrow({ where: { id: start.run.id } });
  const longestCpuMs = Math.max(...Object.values(blocks).map((b) => b.cpuMs));
  return { run, status, blocks, longestCpuMs };
}

/**
 * Prisma compiles each query shape once per process, 100 ms and more the first time: a small sync
 * first, as an app has served pages and syncs before.
 */
async function warmUp() {
  const warm = await syncHarness(t.db, {
    directory: { pageSize: 5 },
    budget: { userPages: 2, memberPages: 2 },
  });
  fillDirectory(warm.directory, 30, 4);
  warm.clock.advance(60_000);
  expect((await syncWatched(warm.deps, warm.sync.organizationId, warm.sync.id)).status).toBe("SUCCEEDED");
}

describe("a sync's steps and the event loop", () => {
  it(`hold it for less than ${MAX_BLOCK_CPU_MS} ms at a time: a first sync of 4,000 users in 300 groups, then 10% deleted`, {
    timeout: 240_000,
  }, async () => {
    await warmUp();
    const h = await syncHarness(t.db);
    const ids = fillDirectory(h.directory, 4000, 300);
    h.clock.advance(60_000);
    const first = await syncWatched(h.deps, h.sync.organizationId, h.sync.id);
    expect(first.status).toBe("SUCCEEDED");
    expect(first.run.usersCreated).toBe(4000);
    expect(first.run.groupsCreated).toBe(301);
    expect(first.blocks, "the longest block of each phase").toSatisfy(
      () => first.longestCpuMs < MAX_BLOCK_CPU_MS,
    );

    h.clock.advance(60_000);
    for (const id of ids.filter((_, i) => i % 10 === 0)) h.directory.deleteUser(id);
    const second = await syncWatched(h.deps, h.sync.organizationId, h.sync.id);
    expect(second.status).toBe("SUCCEEDED");
    expect(second.run.usersDeleted).toBe(400);
    expect(second.blocks, "the longest block of each phase").toSatisfy(
      () => second.longestCpuMs < MAX_BLOCK_CPU_MS,
    );
  });

  it(`hold it for less than ${MAX_BLOCK_CPU_MS} ms at a time with Microsoft Graph's pages of 999: 9,990 users a step`, {
    timeout: 240_000,
  }, async () => {
    await warmUp();
    const h = await syncHarness(t.db, { directory: { pageSize: 999, memberPageSize: 999 } });
    fillDirectory(h.directory, 10_000, 100);
    h.clock.advance(60_000);
    const first = await syncWatched(h.deps, h.sync.organizationId, h.sync.id);
    expect(first.status).toBe("SUCCEEDED");
    expect(first.run.usersCreated).toBe(10_000);
    expect(first.blocks, "the longest block of each phase").toSatisfy(
      () => first.longestCpuMs < MAX_BLOCK_CPU_MS,
    );
  });
});

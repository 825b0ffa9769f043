import { beforeAll, describe, expect, it, vi } from "vitest";
import { type DirectoryShape, estimateSyncSteps, pagesFor } from "@/lib/sync";
import { jsonBytes } from "@/scripts/inngest-runner/limits";
import { getJson, waitFor } from "@/scripts/inngest-runner/testing/harness";
import type { Run } from "@/scripts/inngest-runner/types";
import {
  finishSync,
  orgData,
  RUN_TIMEOUT_MS,
  startSync,
  syncOnce,
  withSyncHarness,
} from "@/test-support/sync-e2e";

// The step model (capacity.ts) against the steps the local runner saved for real runs: every
// term of it, the safeguard's included. The week-long wait nobody answers: user-sync-run.test.ts.
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => harness.db,
}));
// 25 invitations a step instead of 1,000, so a few dozen users take several steps.
vi.mock("@/lib/email/enrollment-invitations", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/email/enrollment-invitations")>();
  return {
    ...actual,
    INVITATIONS_PER_CALL: 25,
    sendEnrollmentInvitations: (
      ...[db, userSyncId, options]: Parameters<typeof actual.sendEnrollmentInvitations>
    ) => actual.sendEnrollmentInvitations(db, userSyncId, { limit: 25, ...options }),
  };
});

const harness = withSyncHarness();
// Imported once the harness has set INNGEST_DEV: they create the Inngest client.
let dispatch: typeof import("@/inngest/dispatch");
let capacity: typeof import("./capacity");
beforeAll(async () => {
  dispatch = await import("@/inngest/dispatch");
  capacity = await import("./capacity");
});

/** The fake's page size for users and members (Okta's is 200). */
const PAGE = 5;

/** What Inngest counts of a run: its saved steps, and its state (event and step results). */
function savedOf(run: Run) {
  const results = Object.values(run.steps).map((step) => jsonBytes(step));
  return {
    steps: results.length,
    stateBytes: run.stateBytes,
    largestResult: Math.max(...results),
    eventBytes: jsonBytes(run.event),
  };
}

describe("the step model of user-sync/run", () => {
  it("gives the exact steps of real runs, invitations and an answered safeguard included, and bounds their state", async () => {
    const fake = await harness.startFakeOkta({
      data: orgData(60, [{ name: "Ops", members: [0, 1, 2, 10, 20, 30, 40, 50] }]),
      maxPageSize: { users: PAGE, members: PAGE },
    });
    const fixture = await harness.syncOf(fake, {
      enrollmentType: "SEND_ENROLLMENT_EMAIL",
      safeguardPercent: 10,
      fullSyncEveryHours: 0,
    });
    const shape = (users: number, removals: number): DirectoryShape => ({
      userPages: pagesFor(users, PAGE),
      groupPages: 1,
      // Ops (Everyone's members come from the database): one memberships step either way.
      memberPages: pagesFor(8, PAGE),
      removals,
    });

    const first = await syncOnce(harness.db, harness.runner, fixture);
    expect(first.run).toMatchObject({ status: "SUCCEEDED", usersCreated: 60 });
    const firstSaved = savedOf(first.inngest);
    // start-run, sync (start, 2 of users, groups, memberships, safeguard, finish), 3 of invitations, send-report.
    expect(firstSaved.steps).toBe(1 + 7 + 3 + 1);
    expect(firstSaved.steps).toBe(
      capacity.estimateRunSteps({ syncSteps: estimateSyncSteps(shape(60, 0)), invitations: 60 }),
    );

    // 15 of the 60 gone and 30 new users: 15 of 90 to remove, over the safeguard's 10%.
    for (const user of fake.directory.users.slice(0, 15)) fake.directory.deleteUser(user.id);
    for (let i = 0; i < 30; i++)
      fake.directory.createUser({
        login: `new${i}@example.com`,
        email: `new${i}@example.com`,
        firstName: "New",
        lastName: `${i}`,
      });
    const started = await startSync(harness.db, harness.runner, fixture);
    // Answered while the run waits (its first wait): the decision's event wakes it.
    await waitFor(async () => {
      const run = await getJson<Run>(`${harness.runner.url}/runs/${started.inngestRunId}`);
      return Object.values(run.waits).some((wait) => wait.kind === "event");
    }, RUN_TIMEOUT_MS);
    expect(await dispatch.decideSyncRun(harness.db, fixture.admin, started.syncRunId, "approve")).toBe(true);
    const second = await finishSync(harness.db, harness.runner, started);
    expect(second.run).toMatchObject({
      status: "SUCCEEDED",
      decision: "APPROVED",
      usersCreated: 30,
      usersDeleted: 15,
    });
    const secondSaved = savedOf(second.inngest);
    // start-run, the same 7 sync steps, the resume and 1 of deletions; the alert, 2 checks, 1 wait,
    // the expiry; 2 of invitations, send-report.
    expect(secondSaved.steps).toBe(1 + 7 + 1 + 1 + 1 + 2 + 1 + 1 + 2 + 1);
    expect(secondSaved.steps).toBe(
      capacity.estimateRunSteps({
        syncSteps: estimateSyncSteps(shape(75, 15)),
        safeguardWaits: 1,
        invitations: 30,
      }),
    );

    for (const saved of [firstSaved, secondSaved]) {
      expect(saved.largestResult).toBeLessThan(capacity.MAX_STEP_RESULT_BYTES / 4);
      expect(saved.stateBytes).toBeLessThan(capacity.estimateRunStateBytes(saved.steps, saved.eventBytes));
    }
  });
});

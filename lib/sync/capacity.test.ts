import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDb } from "@/test-support/db";
import { estimateSyncSteps, pagesFor } from "./capacity";
import { HOUR, openTestDb, syncHarness } from "./testing/fixtures";
import type { SyncStepResult } from "./types";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

/**
 * Inngest allows 4 MB per step output; a step here stays under the 4 KB the run's state estimate
 * allows each step (MAX_STEP_RESULT_BYTES, inngest/functions/capacity.ts). The whole run's steps
 * and state: inngest/functions/capacity.test.ts.
 */
const MAX_OUTPUT_BYTES = 4 * 1024;

const outputBytes = (output: SyncStepResult) => Buffer.byteLength(JSON.stringify(output));

describe("step count and step size", () => {
  it("the model gives the exact number of steps of real runs, and every step's output is small", async () => {
    const budget = { userPages: 3, groupPages: 2, memberPages: 4, removals: 2, logPages: 1 };
    const pageSize = { pageSize: 2, groupPageSize: 3, memberPageSize: 2 };
    const h = await syncHarness(t.db, { directory: pageSize, budget, settings: { safeguardPercent: 100 } });
    const users = Array.from({ length: 23 }, (_, i) => `u${String(i + 1).padStart(2, "0")}`);
    for (const id of users) h.directory.putUser({ externalId: id });
    const groupSizes = [0, 1, 5, 9, 2, 0, 3];
    groupSizes.forEach((size, i) => {
      h.directory.putGroup({ externalId: `g${i}` });
      h.directory.setMembers(`g${i}`, users.slice(0, size));
    });
    const memberPages = (sizes: number[]) =>
      sizes.reduce((sum, size) => sum + pagesFor(size, pageSize.memberPageSize), 0);
    const shape = (userCount: number, sizes: number[], removals: number) => ({
      userPages: pagesFor(userCount, pageSize.pageSize),
      groupPages: pagesFor(groupSizes.length, pageSize.groupPageSize),
      memberPages: memberPages(sizes),
      removals,
    });

    const first = await h.run();
    expect(first.outputs.length).toBeLessThanOrEqual(estimateSyncSteps(shape(23, groupSizes, 0), budget));
    // Groups first (3 pages, 2 steps), then 12 user pages (4 steps) with the member pages
    // alongside — 1, 1, 3, 5, 1, 1, 2 at 4 a step: g0–g2 (5 pages), g3 cut at 4, g3's last page
    // then g4–g6 (5), nothing in the fourth — then one MEMBERSHIPS step (nothing left), where the
    // model allows 4 users steps and 4 memberships steps.
    expect(first.outputs).toHaveLength(1 + 2 + 4 + 1 + 1 + 0 + 1);

    h.clock.advance(HOUR);
    for (const id of users.slice(18)) h.directory.deleteUser(id);
    h.directory.removeMembers("g3", ["u01"]);
    const second = await h.run({ forceFull: true });
    expect(second.run.usersDeleted).toBe(5);
    // Only g3's members moved: a full run lists every user and group, and those members (read
    // alongside the users); the one MEMBERSHIPS step finds nothing left.
    expect(second.outputs).toHaveLength(estimateSyncSteps(shape(18, [8], 5), budget));
    expect(second.outputs).toHaveLength(1 + 2 + 3 + 1 + 1 + 3 + 1);

    // A step returns one cursor at most, plus a few hundred bytes; an Okta "next" link is ~200.
    for (const output of [...first.outputs, ...second.outputs]) {
      const cursors =
        output.status === "finished"
          ? ""
          : `${output.state.cursor ?? ""}${output.state.memberCursor?.cursor ?? ""}`;
      expect(outputBytes(output) - cursors.length).toBeLessThan(400);
      expect(outputBytes(output)).toBeLessThan(MAX_OUTPUT_BYTES);
    }
  });
});

// Faults and load on the HTTP side (the runner restarting and the app killed mid-run are covered
// by the sync integration tests in inngest/): twenty SYNC DATA clicks at once, two organizations
// syncing at the same time, and the database dropping the app's connections in the middle of a run.
import pg from "pg";
import { startFakeOkta } from "@/scripts/fake-okta";
import { getJson } from "@/scripts/inngest-runner/testing/harness";
import { answerOf, callAction, client, serverActions, signInOverHttp } from "./support/actions";
import { createOrganization, PASSWORD } from "./support/organizations";
import type { Stack } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { createSync, runnerIdle } from "./support/world";

function startAction() {
  const action = serverActions().find((a) => a.name === "startSyncAction");
  if (!action) throw new Error("startSyncAction is not in the build");
  return action;
}

async function adminOf(stack: Stack, name: string) {
  const org = await createOrganization(stack.db, name);
  const http = await client(stack.url);
  await signInOverHttp(http, org.admin.email, PASSWORD);
  return { org, http };
}

/** Okta users with names of their own, so each organization's can be told apart. */
const people = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    profile: {
      login: `${prefix}${i}@${prefix}.test`,
      email: `${prefix}${i}@${prefix}.test`,
      firstName: prefix,
      lastName: `${i}`,
    },
  }));

test("twenty concurrent SYNC DATA requests start one run", async ({ stack }) => {
  const okta = await startFakeOkta({ data: { users: people("click", 5) } });
  try {
    const { org, http } = await adminOf(stack, "Clicky");
    const sync = await createSync(stack, org.id, okta);
    const calls = await Promise.all(
      Array.from({ length: 20 }, () =>
        callAction(
          http,
          startAction(),
          `/user-management/user-sync/${sync.id}`,
          { userSyncId: sync.id },
          { withState: true },
        ),
      ),
    );
    expect(calls.map((c) => c.status).filter((s) => s !== 200)).toEqual([]);
    const messages = calls.map((c) => answerOf(c)?.message);
    expect(messages.filter((m) => m === "Sync started. Progress is shown below.")).toHaveLength(1);
    expect(messages.filter((m) => m?.startsWith("A sync is already in progress"))).toHaveLength(19);
    await runnerIdle(stack);
    const runs = await stack.db.syncRun.findMany({ where: { userSyncId: sync.id } });
    expect(runs.map((r) => r.status)).toEqual(["SUCCEEDED"]);
    expect(
      await stack.db.auditEvent.count({ where: { organizationId: org.id, action: "sync-run.started" } }),
    ).toBe(1);
    expect(await stack.db.directoryUser.count({ where: { organizationId: org.id } })).toBe(5);
  } finally {
    await okta.close();
  }
});

test("two organizations syncing at the same time keep to their own data", async ({ stack }) => {
  const oktas = await Promise.all([
    startFakeOkta({
      data: { users: people("north", 30), groups: [{ name: "North team", members: ["north0@north.test"] }] },
    }),
    startFakeOkta({
      data: { users: people("south", 45), groups: [{ name: "South team", members: ["south0@south.test"] }] },
    }),
  ]);
  try {
    const tenants = await Promise.all([adminOf(stack, "North"), adminOf(stack, "South")]);
    const syncs = await Promise.all(
      tenants.map(({ org }, i) => createSync(stack, org.id, oktas[i] as (typeof oktas)[0])),
    );
    // Both clicks at once: the runs interleave on the same app, runner and database.
    await Promise.all(
      tenants.map(({ http }, i) => {
        const sync = syncs[i] as (typeof syncs)[0];
        return callAction(
          http,
          startAction(),
          `/user-management/user-sync/${sync.id}`,
          { userSyncId: sync.id },
          { withState: true },
        );
      }),
    );
    await runnerIdle(stack);
    for (const [i, prefix, count] of [
      [0, "north", 30],
      [1, "south", 45],
    ] as const) {
      const { org } = tenants[i] as (typeof tenants)[0];
      const sync = syncs[i] as (typeof syncs)[0];
      const users = await stack.db.directoryUser.findMany({ where: { organizationId: org.id } });
      expect(users).toHaveLength(count);
      expect(users.every((u) => u.email?.endsWith(`@${prefix}.test`) && u.userSyncId === sync.id)).toBe(true);
      const groups = await stack.db.userGroup.findMany({
        where: { organizationId: org.id },
        include: { memberships: { include: { user: true } } },
      });
      for (const group of groups)
        for (const m of group.memberships)
          expect(m.user.organizationId, `${group.name} holds another organization's user`).toBe(org.id);
      const run = await stack.db.syncRun.findFirstOrThrow({ where: { userSyncId: sync.id } });
      expect(run).toMatchObject({ status: "SUCCEEDED", organizationId: org.id, usersCreated: count });
    }
  } finally {
    await Promise.all(oktas.map((o) => o.close()));
  }
});

test("the database dropping the app's connections mid-run: the run retries and ends consistent", async ({
  stack,
}) => {
  // 1,000 users, each page answered slowly: the run spends seconds in its listing steps.
  const okta = await startFakeOkta({ data: { users: people("drop", 1000) } });
  okta.injectFault({ fault: { kind: "delay", ms: 150 }, path: "/api/v1/users", times: 1000 });
  const admin = new pg.Client({ connectionString: stack.environment.DATABASE_URL });
  await admin.connect();
  try {
    const { org, http } = await adminOf(stack, "Flaky");
    const sync = await createSync(stack, org.id, okta);
    const started = await callAction(
      http,
      startAction(),
      `/user-management/user-sync/${sync.id}`,
      { userSyncId: sync.id },
      { withState: true },
    );
    expect(answerOf(started)?.ok).toBe(true);
    await expect
      .poll(async () => (await stack.db.syncRun.findFirst({ where: { userSyncId: sync.id } }))?.status, {
        timeout: 20_000,
      })
      .toBe("RUNNING");
    // Cut every connection to the database (but this one) five times a second for two seconds.
    let terminated = 0;
    for (let cut = 0; cut < 10; cut++) {
      const { rowCount } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      terminated += rowCount ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(terminated).toBeGreaterThan(0);
    await runnerIdle(stack, 90_000);
    // A step failed on a dropped connection and was retried (the runner's record of the run).
    const runnerRuns = await getJson<{ id: string; event: { data: { userSyncId?: string } } }[]>(
      `${stack.runner.url}/runs`,
    );
    const record = runnerRuns.find((r) => r.event.data.userSyncId === sync.id);
    const history = await getJson<{ history: Record<string, { attempts: number }> }>(
      `${stack.runner.url}/runs/${record?.id}`,
    );
    expect(Math.max(...Object.values(history.history).map((step) => step.attempts))).toBeGreaterThan(1);

    const run = await stack.db.syncRun.findFirstOrThrow({ where: { userSyncId: sync.id } });
    expect(run.status).toBe("SUCCEEDED");
    // Consistent: every Okta user once, counts that match the rows, the sync free for the next run.
    const users = await stack.db.directoryUser.findMany({
      where: { organizationId: org.id },
      select: { externalId: true },
    });
    expect(users).toHaveLength(1000);
    expect(new Set(users.map((u) => u.externalId)).size).toBe(1000);
    expect(run.usersCreated).toBe(1000);
    expect((await stack.db.userSync.findUniqueOrThrow({ where: { id: sync.id } })).activeRunId).toBeNull();
    // And the app still answers.
    expect((await http.get(`/user-management/user-sync/${sync.id}`)).status()).toBe(200);
  } finally {
    await admin.end();
    await okta.close();
  }
});

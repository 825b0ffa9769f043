// Data the hardening specs arrange directly in the stack's database: syncs (with a real encrypted
// token), runs in a given state, and a way to wait until the runner has nothing left to do.

import { expect, type Locator, type Page } from "@playwright/test";
import { encryptSecret, last4, parseKeyring } from "@/lib/crypto/secrets";
import type { SyncRun, SyncRunStatus } from "@/lib/db";
import { ACTIVE_STATUSES } from "@/lib/sync/active-statuses";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { getJson, waitFor } from "@/scripts/inngest-runner/testing/harness";
import { callAction, client, serverActions, signInOverHttp } from "./actions";
import { PASSWORD } from "./organizations";
import type { Stack } from "./stack";

let counter = 0;
const unique = (prefix: string) => `${prefix} ${Date.now().toString(36)}${(counter++).toString(36)}`;

/** A small Okta org: a sync of it runs in a second or two. */
export function smallOkta(token = "00hardening-okta-token-0123456789abcdef"): Promise<FakeOkta> {
  return startFakeOkta({ users: 12, groups: 2, seed: 3, token });
}

export async function createSync(
  stack: Stack,
  organizationId: string,
  okta: FakeOkta,
  name = unique("Okta"),
) {
  return stack.db.userSync.create({
    data: {
      organizationId,
      name,
      domain: okta.url,
      credentialCiphertext: encryptSecret(okta.token, okta.url, parseKeyring(stack.encryptionKeys)),
      credentialHint: last4(okta.token),
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    },
  });
}

/** A run as the engine leaves it in `status` (an active one holds its sync). */
export async function createRun(
  stack: Stack,
  sync: { id: string; organizationId: string },
  status: SyncRunStatus,
) {
  const run = await stack.db.syncRun.create({
    data: {
      organizationId: sync.organizationId,
      userSyncId: sync.id,
      trigger: "MANUAL",
      status,
      ...(status === "BLOCKED" ? { pendingRemovals: 5, phase: "SAFEGUARD" } : {}),
      ...(["SUCCEEDED", "FAILED"].includes(status) ? { finishedAt: new Date(), phase: "DONE" } : {}),
    },
  });
  if (ACTIVE_STATUSES.includes(status))
    await stack.db.userSync.update({ where: { id: sync.id }, data: { activeRunId: run.id } });
  return run;
}

/**
 * Presses Enter on a start button of the sync's page (SYNC DATA, Full resync) once no run holds
 * the sync; returns the run it started once it has finished and the page shows it in SYNC HISTORY.
 */
export async function runFrom(
  stack: Stack,
  page: Page,
  userSyncId: string,
  button: Locator,
): Promise<SyncRun> {
  const before = await stack.db.syncRun.count({ where: { userSyncId } });
  await expect(button).toBeEnabled({ timeout: 30_000 });
  await button.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText("Sync started. Progress is shown below.")).toBeVisible();
  await expect
    .poll(() => stack.db.syncRun.count({ where: { userSyncId, finishedAt: { not: null } } }), {
      timeout: 60_000,
    })
    .toBe(before + 1);
  // The page refreshes itself when the run ends: the history then shows it.
  await expect(page.getByRole("table", { name: "Sync history" }).getByRole("row")).toHaveCount(before + 2);
  return stack.db.syncRun.findFirstOrThrow({ where: { userSyncId }, orderBy: { queuedAt: "desc" } });
}

/** SYNC DATA as `email` clicks it (the server action over HTTP), then until the run has ended. */
export async function syncNowAs(stack: Stack, email: string, syncId: string): Promise<void> {
  const http = await client(stack.url);
  await signInOverHttp(http, email, PASSWORD);
  const start = serverActions().find((a) => a.name === "startSyncAction");
  if (!start) throw new Error("startSyncAction is not in the build");
  await callAction(
    http,
    start,
    `/user-management/user-sync/${syncId}`,
    { userSyncId: syncId },
    { withState: true },
  );
  await runnerIdle(stack);
}

/** Until every run the runner knows of has ended (runs started by a test write as they go). */
export async function runnerIdle(stack: Stack, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const runs = await getJson<{ status: string }[]>(`${stack.runner.url}/runs`);
    return runs.every((run) => ["Completed", "Failed", "Cancelled"].includes(run.status)) || undefined;
  }, timeoutMs);
}

/**
 * Every row a server action could change for these organizations, as one comparable string
 * (sign-in throttling aside: failed attempts are recorded by design).
 */
export async function snapshot(stack: Stack, organizationIds: string[]): Promise<string> {
  const where = { organizationId: { in: organizationIds } };
  const byId = { orderBy: { id: "asc" as const } };
  const { db } = stack;
  return JSON.stringify(
    await Promise.all([
      db.userSync.findMany({ where, ...byId }),
      db.syncRun.findMany({ where, ...byId }),
      db.auditEvent.findMany({ where, ...byId }),
      db.email.findMany({ where, ...byId }),
      db.member.findMany({ where, ...byId }),
      db.directoryUser.findMany({ where, ...byId }),
      db.userGroup.findMany({ where, ...byId }),
      db.enrollmentToken.findMany({ where: { directoryUser: where }, ...byId }),
    ]),
  );
}

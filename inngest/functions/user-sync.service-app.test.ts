import { describe, expect, it, vi } from "vitest";
import { TOKEN_PATH } from "@/scripts/fake-okta";
import { testServiceApp } from "@/test-support/service-app";
import { orgData, snapshot, syncOnce, withSyncHarness } from "@/test-support/sync-e2e";

// A sync connected with an OAuth service app whose settings in Okta change between runs: each
// change no retry can fix fails the run at once, saying what to do, and removes no one. (Every
// other end-to-end sync suite also runs with a service app: vitest's `service-app` project.)
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => harness.db,
}));

const harness = withSyncHarness();

describe("a sync with an OAuth service app whose settings change in Okta", () => {
  it("fails each run at once with the admin's next step, and removes no one", async () => {
    const app = testServiceApp();
    const fake = await harness.startFakeOkta({ data: orgData(12), serviceApps: [app.fake] });
    // Okta honours a token until it expires, whatever changed since: tokens of a second here, so
    // each run meets the app's settings of the moment.
    fake.setAccessTokenTtl(1);
    const fixture = await harness.syncOf(fake, {
      serviceApp: { clientId: app.clientId, privateKey: app.privateKey, dpop: true },
    });
    const first = await syncOnce(harness.db, harness.runner, fixture);
    expect(first.run.status).toBe("SUCCEEDED");
    expect(first.run.usersCreated).toBe(12);
    // Okta issued the sync's tokens, and the sync read the API with them.
    expect(fake.accessTokensIssued).toBeGreaterThan(0);
    const before = await snapshot(harness.db, fixture.userSyncId);
    fake.directory.deleteUser(fake.directory.users[0]?.id ?? "");

    const changes: [string, () => void, RegExp][] = [
      [
        "its key removed",
        () =>
          fake.removeServiceAppKey(app.clientId, String(fake.oauth.serviceApp(app.clientId).keys[0]?.kid)),
        /^Okta did not accept the client assertion signed with this private key: add its public key to the app/,
      ],
      [
        "its scopes revoked",
        () => {
          fake.addServiceAppKey(app.clientId, app.publicJwk);
          fake.updateServiceApp(app.clientId, { scopes: ["okta.logs.read"] });
        },
        /^The service app is not granted the scopes a sync needs: in Okta, grant okta\.users\.read and okta\.groups\.read/,
      ],
      [
        "its admin role removed",
        () => fake.updateServiceApp(app.clientId, { scopes: app.fake.scopes, adminRole: false }),
        /^The service app has no admin role .* assign it the Read-only Administrator role/,
      ],
    ];
    for (const [change, make, error] of changes) {
      await make();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      fake.clearRequests();
      const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
      expect(inngest.status, change).toBe("Failed");
      expect(run.error, change).toMatch(error);
      expect(run.status, change).toBe("FAILED");
      // At once: no step retried for minutes (a token request, its nonce challenge, maybe one API call).
      expect(fake.requests.filter((r) => r.path === TOKEN_PATH).length, change).toBeLessThanOrEqual(4);
      expect(await snapshot(harness.db, fixture.userSyncId), change).toEqual(before);
      const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
      expect(sync.activeRunId, change).toBeNull();
    }
  });
});

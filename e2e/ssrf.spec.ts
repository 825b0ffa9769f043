// The Okta domain an admin types is an address the server connects to. Through the real server
// actions of an app configured as in production (no OKTA_ALLOW_INSECURE_LOCALHOST), `Test
// connection` and `CREATE` refuse loopback, private, link-local and metadata addresses in every
// spelling, with a clear message and nothing stored. (DNS answers that are private, or that change
// between check and use, are proven in lib/okta/transport.test.ts, domain.test.ts and
// lib/user-sync/form.test.ts with injected resolvers: no name here resolves to a private address.)
import { answerOf, callAction, client, serverActions, signInOverHttp } from "./support/actions";
import { createOrganization, PASSWORD } from "./support/organizations";
import { type App, startApp } from "./support/stack";
import { expect, test } from "./support/stack-fixture";

let production: App;
test.beforeAll(async ({ stack }) => {
  const { OKTA_ALLOW_INSECURE_LOCALHOST: _devOnly, ...environment } = stack.environment;
  production = await startApp((url) => ({ ...environment, AUTH_URL: url, APP_URL: url }));
});
test.afterAll(async () => {
  await production?.stop();
});

const INTERNAL = [
  "127.0.0.1",
  "https://2130706433",
  "0177.0.0.1",
  "0x7f.0.0.1",
  "127.1",
  "http://localhost:8080",
  "169.254.169.254",
  "https://[fd00:ec2::254]",
  "[::ffff:127.0.0.1]",
  "[::1]",
  "10.0.0.1",
  "https://user:pw@acme.okta.com",
  "https://acme.okta.com/../../latest/meta-data",
];

test("Test connection and CREATE refuse internal addresses in every spelling, and store nothing", async ({
  stack,
}) => {
  const org = await createOrganization(stack.db, "Probe");
  const http = await client(production.url);
  await signInOverHttp(http, org.admin.email, PASSWORD);
  const byName = (name: string) => serverActions().find((a) => a.name === name) ?? { id: "missing" };
  const page = "/user-management/user-sync/new/okta";
  for (const domain of INTERNAL) {
    const fields = {
      name: `Probe ${domain}`,
      domain,
      token: "00probe-token",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    };
    for (const action of ["testConnectionAction", "createUserSyncAction"]) {
      const call = await callAction(http, byName(action), page, fields, { withState: true });
      const answer = answerOf(call) as { ok?: boolean; fieldErrors?: { domain?: string[] } } | null;
      expect(call.status, `${action} ${domain}`).toBe(200);
      expect(answer?.ok, `${action} ${domain}`).toBe(false);
      expect(answer?.fieldErrors?.domain?.join(" "), `${action} ${domain}`).toMatch(
        /not an IP address|https only|without a path|user name and password|not a valid domain/,
      );
      expect(call.headers["x-action-redirect"], `${action} ${domain}`).toBeUndefined();
    }
  }
  expect(await stack.db.userSync.count({ where: { organizationId: org.id } })).toBe(0);
});

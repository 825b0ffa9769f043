import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { FAR_RESET_MS, type Hostility, startFakeOkta } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8290" },
    host: { type: "string", default: "127.0.0.1" },
    users: { type: "string", default: "1000" },
    groups: { type: "string", default: "30" },
    memberships: { type: "string" },
    seed: { type: "string", default: "1" },
    token: { type: "string" },
    data: { type: "string" },
    "rate-limit": { type: "string" },
    "log-rate-limit": { type: "string" },
    "log-delay-ms": { type: "string" },
    hostile: { type: "string", multiple: true, default: [] },
    "service-app": { type: "string" },
    dpop: { type: "boolean", default: false },
  },
});

/** `--hostile <mode>`, repeatable: see README.md. */
const HOSTILE_MODES: Record<string, Partial<Hostility>> = {
  "echo-token": { echoToken: true },
  "rate-limit-far": { rateLimitResetInMs: FAR_RESET_MS },
  "empty-org": { emptyOrg: true },
  "logs-forbidden": { logsForbidden: true },
  "big-member-pages-fail": { bigMemberPageFault: { kind: "status", status: 500 } },
  "big-member-pages-hang": { bigMemberPageFault: { kind: "hang" } },
};
const hostile: Partial<Hostility> = {};
for (const mode of values.hostile) {
  const hostility = HOSTILE_MODES[mode];
  if (!hostility)
    throw new Error(`--hostile ${mode}: expected one of ${Object.keys(HOSTILE_MODES).join(", ")}`);
  Object.assign(hostile, hostility);
}

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const perMinute = number(values["rate-limit"]);
const logsPerMinute = number(values["log-rate-limit"]);
const fake = await startFakeOkta({
  port: number(values.port),
  host: values.host,
  users: number(values.users),
  groups: number(values.groups),
  memberships: number(values.memberships),
  seed: number(values.seed),
  token: values.token,
  data: values.data ? JSON.parse(readFileSync(values.data, "utf8")) : undefined,
  rateLimits: {
    ...(perMinute ? { users: perMinute, groups: perMinute, other: perMinute } : {}),
    ...(logsPerMinute === undefined ? {} : { logs: logsPerMinute }),
  },
  logDelayMs: number(values["log-delay-ms"]),
  hostile,
  // Like an admin's new API Services app: read scopes granted, Read-only Administrator assigned, no
  // key until one is registered. With DPoP, Okta's authorization server always demands its nonce.
  serviceApps: values["service-app"]
    ? [
        {
          clientId: values["service-app"],
          keys: [],
          scopes: ["okta.users.read", "okta.groups.read", "okta.logs.read"],
          adminRole: true,
          requireDpop: values.dpop,
          dpopNonce: values.dpop,
        },
      ]
    : [],
});
const { users, groups } = fake.directory;
console.log(`Fake Okta at ${fake.url} (${users.length} users, ${groups.length} groups)`);
console.log(`domain: ${fake.url}`);
console.log(`token:  ${fake.token}`);
for (const { clientId, requireDpop } of fake.oauth.serviceApps()) {
  console.log(`service app: ${clientId}${requireDpop ? " (DPoP required)" : ""}`);
  console.log(`  register its public key: POST ${fake.url}/api/v1/apps/${clientId}/credentials/jwks`);
}
if (values.hostile.length) console.log(`HOSTILE: ${values.hostile.join(", ")}`);
console.log(
  "Start the app with OKTA_ALLOW_INSECURE_LOCALHOST=1 to use it. Admin API: POST /__admin/<command>",
);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void fake.close().then(() => process.exit(0)));

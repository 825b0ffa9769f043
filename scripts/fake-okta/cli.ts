import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startFakeOkta } from "./server";

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
  },
});

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const perMinute = number(values["rate-limit"]);
const fake = await startFakeOkta({
  port: number(values.port),
  host: values.host,
  users: number(values.users),
  groups: number(values.groups),
  memberships: number(values.memberships),
  seed: number(values.seed),
  token: values.token,
  data: values.data ? JSON.parse(readFileSync(values.data, "utf8")) : undefined,
  rateLimits: perMinute ? { users: perMinute, groups: perMinute, other: perMinute } : undefined,
});
const { users, groups } = fake.directory;
console.log(`Fake Okta at ${fake.url} (${users.length} users, ${groups.length} groups)`);
console.log(`domain: ${fake.url}`);
console.log(`token:  ${fake.token}`);
console.log(
  "Start the app with OKTA_ALLOW_INSECURE_LOCALHOST=1 to use it. Admin API: POST /__admin/<command>",
);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void fake.close().then(() => process.exit(0)));

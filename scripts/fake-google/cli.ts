import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startFakeGoogle } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8291" },
    host: { type: "string", default: "127.0.0.1" },
    users: { type: "string", default: "1000" },
    groups: { type: "string", default: "30" },
    seed: { type: "string", default: "1" },
    domain: { type: "string" },
    "quota-per-minute": { type: "string" },
    "echo-secrets": { type: "boolean", default: false },
  },
});

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const perMinute = number(values["quota-per-minute"]);
const fake = await startFakeGoogle({
  port: number(values.port),
  host: values.host,
  users: number(values.users),
  groups: number(values.groups),
  seed: number(values.seed),
  domain: values.domain,
  quota: perMinute ? { perMinute } : {},
  hostile: { echoSecrets: values["echo-secrets"] },
});
// The demo key is a throwaway made at start, readable by this user only.
const keyPath = join(mkdtempSync(join(tmpdir(), "fake-google-")), "service-account.json");
writeFileSync(keyPath, fake.demoKey, { mode: 0o600 });
const { users, groups } = fake.directory;
console.log(`Fake Google Workspace at ${fake.url} (${users.length} users, ${groups.length} groups)`);
console.log(`endpoints:           { token: "${fake.url}", api: "${fake.url}" }`);
console.log(`service account key: ${keyPath}`);
console.log(`admin email:         ${fake.adminEmail}`);
console.log(`customer ID:         ${fake.customerId} (or my_customer)`);
if (values["echo-secrets"]) console.log("HOSTILE: echo-secrets");
console.log(
  "Admin API: POST /__admin/<command> with a JSON array of arguments; GET /__admin/requests, /__admin/state",
);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void fake.close().then(() => process.exit(0)));

import { parseArgs } from "node:util";
import { startFakeEntra } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8291" },
    host: { type: "string", default: "127.0.0.1" },
    users: { type: "string", default: "1000" },
    groups: { type: "string", default: "30" },
    memberships: { type: "string" },
    seed: { type: "string", default: "1" },
    domain: { type: "string" },
    "page-size": { type: "string" },
    throttle: { type: "string" },
    "echo-secrets": { type: "boolean", default: false },
  },
});

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const throttle = number(values.throttle);
const fake = await startFakeEntra({
  port: number(values.port),
  host: values.host,
  users: number(values.users),
  groups: number(values.groups),
  memberships: number(values.memberships),
  seed: number(values.seed),
  domain: values.domain,
  maxPageSize: number(values["page-size"]),
  // --throttle N: N Graph requests per app every 10 s, as Graph's directory limits count them.
  throttle: throttle ? { requests: throttle, windowMs: 10_000 } : null,
  hostile: { echoSecrets: values["echo-secrets"] },
});
const { app } = fake;
console.log(
  `Fake Entra ID at ${fake.url} (${fake.directory.users.length} users, ${fake.directory.groups.length} groups)`,
);
console.log(`tenantId:     ${fake.tenantId} (or ${fake.domain})`);
console.log(`clientId:     ${app.clientId}`);
console.log(`clientSecret: ${app.secrets[0]?.value}`);
console.log(`endpoints:    login ${fake.url}, graph ${fake.url} (allowInsecureLocalhost required)`);
console.log(`certificate:  POST /__admin/addCertificate ["${app.clientId}", "<certificate PEM>"] to add one`);
if (values["echo-secrets"]) console.log("HOSTILE: echo-secrets");
console.log(
  "Admin API: POST /__admin/<command> with a JSON array of arguments; GET /__admin/requests, /__admin/state",
);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void fake.close().then(() => process.exit(0)));

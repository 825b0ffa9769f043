// `npm run dev`: the whole product on its embedded defaults — the app on :3000 with an embedded
// PGlite database under .data/ (created with the demo organization the first time), the local
// Inngest runner on :8288, and the demo directories: an Okta org on :8290, a Microsoft Entra ID
// tenant on :8291 and a Google Workspace on :8292. Emails land in the Mailbox page.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EMBEDDED_DATA_DIR, setUpEmbeddedDatabase } from "@/lib/db";
import { SERVICE_APP_SCOPES } from "@/lib/okta/service-app";
import { DEFAULT_SEED_PASSWORD, SEED_MEMBERS, seedDemo } from "@/lib/seed";
import { devUrls } from "./dev-addresses";
import { startLocalStack, stopOnSignals } from "./local-stack";

// The demo accounts come from here, never from the app: before the app opens the database (PGlite
// is one process), and only into a database this creates, so an existing one is left as it is.
const seeded = !process.env.DATABASE_URL && (await setUpEmbeddedDatabase(EMBEDDED_DATA_DIR, seedDemo));

/**
 * The demo Okta's API service app, as an admin creates it in Okta: the three read scopes, the
 * Read-only Administrator role, DPoP required (Okta's default), and no key until one is added.
 */
const DEMO_SERVICE_APP = {
  clientId: "0oaDemoServiceApp0001",
  keys: [],
  scopes: [...SERVICE_APP_SCOPES],
  adminRole: true,
  requireDpop: true,
  dpopNonce: true,
};

const port = Number(process.env.PORT ?? 3000);
const stack = await startLocalStack({
  appPort: port,
  mode: "dev",
  demoOkta: {
    port: Number(process.env.DEMO_OKTA_PORT ?? 8290),
    users: 1000,
    groups: 30,
    seed: 1,
    serviceApps: [DEMO_SERVICE_APP],
  },
  demoEntra: { port: Number(process.env.DEMO_ENTRA_PORT ?? 8291), users: 500, groups: 20, seed: 1 },
  demoGoogle: { port: Number(process.env.DEMO_GOOGLE_PORT ?? 8292), users: 500, groups: 20, seed: 1 },
  runnerPort: Number(process.env.INNGEST_RUNNER_PORT ?? 8288),
});
stopOnSignals(stack);

/**
 * The demo Google service account's key file, for the form's "Choose key file…": under .data/ so
 * it outlives a temp dir, readable by its owner only (it is a private key). Made anew each start:
 * the fake knows only the key it made.
 */
function writeDemoGoogleKey(key: string): string {
  const file = path.join(process.cwd(), ".data", "demo-google-key.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  // `mode` applies only when the file is created: a file kept from an earlier run keeps its own.
  chmodSync(file, 0o600);
  return file;
}
const googleKeyFile = stack.google ? writeDemoGoogleKey(stack.google.demoKey) : null;

console.log(`
  Dashboard     ${devUrls(port).join("   ")}
  Sign in       ${SEED_MEMBERS.map((m) => `${m.email} (${m.role.toLowerCase()})`).join(", ")}
  Password      ${process.env.SEED_PASSWORD ? "from SEED_PASSWORD" : DEFAULT_SEED_PASSWORD}
  Database      ${process.env.DATABASE_URL ? "DATABASE_URL" : `embedded PGlite in .data/pglite (${seeded ? "created just now with the demo organization" : "kept from the last run"})`}
  Inngest       ${stack.runner ? `local runner ${stack.runner.url} (runs, replay, cancel)` : "the configured Inngest server"}
  Demo Okta     Domain Name ${stack.okta?.url}   API Token ${stack.okta?.token}
                (1,000 users, 30 groups; change it with POST ${stack.okta?.url}/__admin/<command>)
                or OAuth 2.0 service app, Client ID ${DEMO_SERVICE_APP.clientId}, DPoP required: add the public
                key "Generate key pair" shows with  curl -X POST ${stack.okta?.url}/api/v1/apps/${DEMO_SERVICE_APP.clientId}/credentials/jwks \\
                -H "Authorization: SSWS ${stack.okta?.token}" -H "Content-Type: application/json" -d '<public JWK>'
  Demo Entra ID Directory (tenant) ID ${stack.entra?.tenantId}   Application (client) ID ${stack.entra?.app.clientId}
                Client secret ${stack.entra?.app.secrets[0]?.value}
                or Certificate: openssl req -x509 -newkey rsa:2048 -noenc -subj /CN=demo -keyout key.pem -out cert.pem
                then upload it with  node -e 'console.log(JSON.stringify(["${stack.entra?.app.clientId}", fs.readFileSync("cert.pem", "utf8")]))' \\
                | curl -X POST ${stack.entra?.url}/__admin/addCertificate -d @-   and paste the output of  cat cert.pem key.pem
                (500 users, 20 groups; change it with POST ${stack.entra?.url}/__admin/<command>)
  Demo Google   Service account key: choose ${googleKeyFile}   Admin email ${stack.google?.adminEmail}
                (500 users, 20 groups; change it with POST ${stack.google?.url}/__admin/<command>)
  Email         ${process.env.RESEND_API_KEY ? "Resend" : "kept in the database: Dashboard > Mailbox"}
`);

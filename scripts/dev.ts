// `npm run dev`: the whole product on its embedded defaults — the app on :3000 with an embedded
// PGlite database under .data/ (created with the demo organization the first time), the local
// Inngest runner on :8288, and a demo Okta org on :8290. Emails land in the Mailbox page.
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
  runnerPort: Number(process.env.INNGEST_RUNNER_PORT ?? 8288),
});
stopOnSignals(stack);

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
  Email         ${process.env.RESEND_API_KEY ? "Resend" : "kept in the database: Dashboard > Mailbox"}
`);

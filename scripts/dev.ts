// `npm run dev`: the whole product on its embedded defaults — the app on :3000 with an embedded
// PGlite database under .data/ (migrated and seeded on first start).
import { spawn } from "node:child_process";
import { DEFAULT_SEED_PASSWORD, SEED_MEMBERS } from "@/lib/seed";
import { localEnvironment } from "./local-env";

const port = Number(process.env.PORT ?? 3000);
const env = localEnvironment(port);

console.log(`
  Dashboard   http://localhost:${port}
  Database    ${env.DATABASE_URL ? "DATABASE_URL" : "embedded PGlite in .data/pglite (created and seeded on first start)"}
  Sign in     ${SEED_MEMBERS.map((m) => `${m.email} (${m.role.toLowerCase()})`).join(", ")}
  Password    ${env.SEED_PASSWORD ? "from SEED_PASSWORD" : DEFAULT_SEED_PASSWORD}
`);

const app = spawn("npx", ["next", "dev", "--port", String(port)], { env, stdio: "inherit" });
const stop = () => app.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
app.on("exit", (code) => process.exit(code ?? 0));

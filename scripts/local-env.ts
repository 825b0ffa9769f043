import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const DATA_DIR = path.join(process.cwd(), ".data");

/** A secret kept under .data/ so sessions survive restarts of the embedded default. */
function localSecret(name: string): string {
  const file = path.join(DATA_DIR, name);
  if (!existsSync(file)) {
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}

/** The environment of the embedded default: every value can be overridden from the shell. */
export function localEnvironment(port: number): NodeJS.ProcessEnv {
  return {
    NEXT_TELEMETRY_DISABLED: "1",
    CHECKPOINT_DISABLE: "1",
    AUTH_SECRET: process.env.AUTH_SECRET ?? localSecret("auth-secret"),
    // No AUTH_URL: Auth.js takes each request's own address (trusted here), so signing in works
    // at every address `npm run dev` prints, not only at localhost.
    AUTH_TRUST_HOST: "true",
    APP_URL: process.env.APP_URL ?? `http://localhost:${port}`,
    ...process.env,
  };
}

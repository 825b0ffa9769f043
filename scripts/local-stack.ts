import { type ChildProcess, spawn } from "node:child_process";
import { type FakeEntra, type FakeEntraOptions, startFakeEntra } from "@/scripts/fake-entra";
import { type FakeGoogle, type FakeGoogleOptions, startFakeGoogle } from "@/scripts/fake-google";
import { type FakeOkta, type FakeOktaOptions, startFakeOkta } from "@/scripts/fake-okta";
import { type Runner, startRunner } from "@/scripts/inngest-runner";
import { localEnvironment } from "./local-env";

export interface LocalStackOptions {
  appPort: number;
  /** `dev` (next dev) or `start` (a production build). */
  mode: "dev" | "start";
  env?: NodeJS.ProcessEnv;
  /** The demo Okta org; null starts none. */
  demoOkta?: FakeOktaOptions | null;
  /** The demo Microsoft Entra ID tenant; null starts none. */
  demoEntra?: FakeEntraOptions | null;
  /** The demo Google Workspace; null starts none. */
  demoGoogle?: FakeGoogleOptions | null;
  runnerPort?: number;
  runnerDataDir?: string;
}

export interface LocalStack {
  app: ChildProcess;
  okta: FakeOkta | null;
  entra: FakeEntra | null;
  google: FakeGoogle | null;
  /** Null when an Inngest server is configured (INNGEST_DEV, INNGEST_BASE_URL or a signing key). */
  runner: Runner | null;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** An Inngest server is configured: use it instead of the local runner. */
export function inngestConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.INNGEST_DEV || env.INNGEST_BASE_URL || env.INNGEST_SIGNING_KEY);
}

/**
 * The whole product on one machine with nothing installed: the app, the local Inngest runner
 * (unless an Inngest server is configured) and the demo directories (the fake Okta org, Entra ID
 * tenant and Google Workspace), wired together.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const base = { ...localEnvironment(options.appPort), ...options.env };
  const useRunner = !inngestConfigured(base);
  const runnerPort = options.runnerPort ?? 8288;
  const okta = options.demoOkta ? await startFakeOkta({ ...options.demoOkta, host: "127.0.0.1" }) : null;
  const entra = options.demoEntra ? await startFakeEntra({ ...options.demoEntra, host: "127.0.0.1" }) : null;
  const google = options.demoGoogle
    ? await startFakeGoogle({ ...options.demoGoogle, host: "127.0.0.1" })
    : null;
  const env: NodeJS.ProcessEnv = {
    ...base,
    ...(useRunner ? { INNGEST_DEV: `http://127.0.0.1:${runnerPort}` } : {}),
    ...(okta ? { OKTA_ALLOW_INSECURE_LOCALHOST: "1" } : {}),
    // Entra ID and Google syncs talk to these origins instead of Microsoft's and Google's hosts.
    ...(entra ? { ENTRA_DEV_URL: entra.url } : {}),
    ...(google ? { GOOGLE_DEV_URL: google.url } : {}),
  };
  // The local stand-ins need the development switches, also on a production build (`next start`).
  if (options.mode === "start" && (useRunner || okta || entra || google)) {
    env.ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION = "1";
  }
  // The runner retries the app's registration until the app answers, so start order does not matter.
  const runner = useRunner
    ? await startRunner({
        port: runnerPort,
        appUrl: `http://127.0.0.1:${options.appPort}/api/inngest`,
        dataDir: options.runnerDataDir,
        // Re-syncs pick up an app restart; every 30 s keeps the dev server's log readable.
        syncIntervalMs: 30_000,
      })
    : null;
  const app = spawn("npx", ["next", options.mode, "--port", String(options.appPort)], {
    env,
    stdio: "inherit",
  });
  return {
    app,
    okta,
    entra,
    google,
    runner,
    env,
    async stop() {
      app.kill("SIGTERM");
      await runner?.close();
      await Promise.all([okta?.close(), entra?.close(), google?.close()]);
    },
  };
}

/** Stops the stack on Ctrl-C or SIGTERM, and exits with the app. */
export function stopOnSignals(stack: LocalStack): void {
  const stop = () => void stack.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  stack.app.on("exit", (code) => void stack.stop().then(() => process.exit(code ?? 0)));
}

import type { AddressInfo } from "node:net";
import path from "node:path";
import { Engine } from "./engine";
import type { Backoff } from "./limits";
import { Registry } from "./registry";
import { createRunnerServer } from "./server";
import { RunStore } from "./store";

export interface RunnerOptions {
  /** Default 8288, the Inngest dev server's port; 0 lets the OS choose. */
  port?: number;
  host?: string;
  /** The app's serve() endpoint, synced in-band and re-synced periodically. Without it, apps sync out-of-band. */
  appUrl?: string;
  /** Where runs are kept; default `.data/inngest-runner`. */
  dataDir?: string;
  syncIntervalMs?: number;
  /** `inngest` (default): Inngest's retry schedule, 15 s to 2 h. `fast`: the same in milliseconds, for tests. */
  backoff?: Backoff;
  /** Sign requests to the app with this key, as Inngest Cloud does; the app then runs in cloud mode. */
  signingKey?: string;
  unreachableRetryMs?: number;
  log?: (message: string) => void;
}

export interface Runner {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_RUNNER_PORT = 8288;
export const DEFAULT_DATA_DIR = path.join(".data", "inngest-runner");

/**
 * Starts the local runner: a small stand-in for Inngest's executor for machines without an
 * Inngest server (inngest/README.md). Not a production engine.
 */
export async function startRunner(options: RunnerOptions = {}): Promise<Runner> {
  const log = options.log ?? ((message: string) => console.log(`[inngest-runner] ${message}`));
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const registry = new Registry(log, options.signingKey);
  const { appUrl } = options;
  const sync = appUrl ? inBandSync(registry, appUrl, log) : () => {};
  const engine = new Engine({
    registry,
    store: new RunStore(dataDir),
    log,
    backoff: options.backoff ?? "inngest",
    signingKey: options.signingKey,
    unreachableRetryMs: options.unreachableRetryMs ?? 2000,
    onUnreachable: sync,
  });
  engine.restore();

  const server = createRunnerServer(engine, registry);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_RUNNER_PORT, options.host ?? "127.0.0.1", resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;
  log(
    `Inngest local runner: a stand-in for Inngest's executor, for development and tests only (not a production engine). ` +
      `Listening on ${url}; runs kept in ${dataDir}; ${appUrl ? `syncing ${appUrl}` : "apps sync out-of-band (PUT to their serve endpoint)"}.`,
  );

  sync();
  const syncTimer = appUrl ? setInterval(sync, options.syncIntervalMs ?? 5000) : undefined;
  return {
    url,
    close: async () => {
      clearInterval(syncTimer);
      // Requests in flight finish first: their checkpoints still need the server.
      await engine.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

/** In-band sync that never overlaps itself and logs an unreachable app once, not every try. */
function inBandSync(registry: Registry, appUrl: string, log: (message: string) => void) {
  let running = false;
  let failing = false;
  return () => {
    if (running) return;
    running = true;
    registry
      .syncInBand(appUrl)
      .then(
        () => {
          failing = false;
        },
        (error: Error) => {
          if (!failing) log(`cannot sync ${appUrl} yet (${error.message}); retrying`);
          failing = true;
        },
      )
      .finally(() => {
        running = false;
      });
  };
}

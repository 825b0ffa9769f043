import { parseArgs } from "node:util";
import { DEFAULT_DATA_DIR, DEFAULT_RUNNER_PORT, startRunner } from "./index";
import { parseBackoff } from "./limits";

/**
 * `npm run inngest:runner -- [--port 8288] [--app http://127.0.0.1:3000/api/inngest] [--data-dir DIR] [--backoff inngest|fast]`
 * The app then needs INNGEST_DEV=http://127.0.0.1:8288 (inngest/README.md).
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.INNGEST_RUNNER_PORT ?? String(DEFAULT_RUNNER_PORT) },
    host: { type: "string", default: process.env.INNGEST_RUNNER_HOST ?? "127.0.0.1" },
    app: { type: "string", default: process.env.INNGEST_RUNNER_APP_URL },
    "data-dir": { type: "string", default: process.env.INNGEST_RUNNER_DATA_DIR ?? DEFAULT_DATA_DIR },
    backoff: { type: "string", default: process.env.INNGEST_RUNNER_BACKOFF },
  },
});

const runner = await startRunner({
  port: Number(values.port),
  host: values.host,
  appUrl: values.app,
  dataDir: values["data-dir"],
  backoff: parseBackoff(values.backoff),
});

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log("[inngest-runner] stopping: letting requests in flight finish (again to force)");
    void runner.close().then(() => process.exit(0));
  });
}

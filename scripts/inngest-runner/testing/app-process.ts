import { serve } from "inngest/next";
import { contract, contractFunctions, cronApp, cronFunctions } from "./fixtures";
import { serveRoutes } from "./http";

/**
 * A stand-in app process for tests: the contract functions behind the real `serve()` from
 * inngest/next, at /api/contract (and /api/cron). Prints its origin as the first stdout line.
 */
const { origin } = await serveRoutes(
  {
    "/api/contract": serve({ client: contract, functions: contractFunctions }),
    "/api/cron": serve({ client: cronApp, functions: cronFunctions }),
  },
  Number(process.env.PORT ?? 0),
);
process.stdout.write(`${JSON.stringify({ origin })}\n`);

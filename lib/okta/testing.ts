import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeOkta } from "@/scripts/fake-okta";

/**
 * Test time for the client: `sleep` returns at once but moves both the client's clock and the
 * fake's, so waits of minutes are checked exactly and take no time. The client's clock starts at
 * 0, far from the fake's: any wait computed from the local clock instead of `Date` shows at once.
 */
export function virtualTime(fake?: FakeOkta) {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
      fake?.advanceClock(ms);
    },
    random: () => 0.5,
  };
}

/** A throwaway HTTP server on 127.0.0.1 (for answers no Okta would give). */
export async function tinyServer(handler: RequestListener) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

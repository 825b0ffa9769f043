import { createServer, request as httpRequest, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
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

/**
 * Every form in which a leaked token could show in text: raw, URL-encoded, and its base64 and
 * base64url encodings at each of the three alignments it can have inside a longer encoded text
 * (the characters its bytes alone decide).
 */
export function tokenForms(token: string): string[] {
  const bytes = Buffer.from(token);
  const cores = [0, 1, 2].map((skip) =>
    bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3),
  );
  return [
    token,
    encodeURIComponent(token),
    ...cores.flatMap((core) => [core.toString("base64"), core.toString("base64url")]),
  ];
}

/** The forms of `token` found in `text` (none, for text that may be shown). */
export const leakedForms = (text: unknown, token: string) =>
  tokenForms(token).filter((form) => String(text).includes(form));

/** The forms of `token` in any way an error may be shown: message, string, stack, JSON, inspection. */
export const leakedFromError = (error: Error, token: string) =>
  [error.message, String(error), error.stack, JSON.stringify(error), inspect(error, { depth: 10 })].flatMap(
    (text) => leakedForms(text, token),
  );

/** A token with characters that URL encoding changes, as an Okta token may not have but a test should. */
export const HOSTILE_TOKEN = "00Hostile/Token+With=Specials~0123456789abcdef";

/**
 * A proxy in front of `target` that records every credential a client sends (the attacker's view
 * of the wire): the secret of each Authorization header, each DPoP proof and each client assertion
 * of a token request. The client must show none of them anywhere.
 */
export async function recordingProxy(target: string) {
  const sent: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const assertion = new URLSearchParams(body).get("client_assertion");
      for (const value of [req.headers.authorization?.replace(/^\S+ /, ""), req.headers.dpop, assertion]) {
        if (typeof value === "string" && value) sent.push(value);
      }
      const forward = httpRequest(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Every credential sent, in order (repeats included). */
    sent,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChangeLogUnavailableError, type DirectoryChange } from "@/lib/directory/types";
import { OktaClient, type OktaClientOptions, pages } from "./client";
import { OktaApiError, OktaResponseError } from "./errors";
import { HOSTILE_TOKEN, leakedForms, leakedFromError, tinyServer, virtualTime } from "./testing";

/**
 * `GET /api/v1/logs` as the OpenAPI description (listLogEvents, LogEvent) has it, from servers made
 * for each test: the fake Okta's log is tested against the same description in scripts/fake-okta.
 */

const TOKEN = "00systemLogTestToken-0123456789abcdefghij";
const NOW = Date.parse("2030-06-01T12:00:00Z");
const since = new Date("2030-05-31T12:00:00Z");
const until = new Date("2030-06-01T11:55:00Z");

const user = (id: string) => ({ id, type: "User", alternateId: `${id}@example.com`, displayName: "Ada L" });
const group = (id: string) => ({ id, type: "UserGroup", alternateId: "unknown", displayName: "Ops" });
const ADA = "00uada0000000000000a";
const BOB = "00ubob0000000000000b";
const OPS = "00gops0000000000000o";
const DEV = "00gdev0000000000000d";

let minute = 0;
/** A LogEvent with the fields Okta sends besides those the client reads. */
function logEvent(
  uuid: string,
  eventType: string,
  target: unknown[],
  outcome: Record<string, unknown> | null = { result: "SUCCESS", reason: null },
) {
  const published = new Date(since.getTime() + ++minute * 60_000).toISOString();
  return {
    actor: {
      id: "00uadmin000000000000",
      type: "User",
      alternateId: "admin@example.com",
      displayName: "Admin",
    },
    client: { ipAddress: "10.0.0.1", zone: null, device: "Computer" },
    displayMessage: "Add user to group membership",
    eventType,
    legacyEventType: "core.user_group_member.user_add",
    outcome,
    published,
    severity: "INFO",
    debugContext: { debugData: { requestId: "ab609228fe84ce59cdcbfa690bcce016" } },
    transaction: { type: "WEB", id: "ab609228fe84ce59cdcbfa690bgce016", detail: {} },
    uuid,
    version: "0",
    target,
  };
}
type LogEvent = ReturnType<typeof logEvent>;

const at = (event: LogEvent) => new Date(event.published);

interface Answer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A server whose log pages are `pages` (a page per request, Okta's `after` being the page's index),
 * with Okta's absolute Link headers; other answers through `answer`.
 */
async function logServer(
  pagesOfEvents: unknown[][],
  answer?: (req: IncomingMessage, url: URL) => Answer | null,
) {
  const requests: URL[] = [];
  const server = await tinyServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    requests.push(url);
    const special = answer?.(req, url);
    if (special) {
      res.writeHead(special.status ?? 200, { "Content-Type": "application/json", ...special.headers });
      res.end(JSON.stringify(special.body));
      return;
    }
    const index = Number(url.searchParams.get("after") ?? 0);
    const links = [`<${url.href}>; rel="self"`];
    if (index + 1 < pagesOfEvents.length) {
      const next = new URL(url);
      next.searchParams.set("after", String(index + 1));
      links.push(`<${next.href}>; rel="next"`);
    }
    res.writeHead(200, { "Content-Type": "application/json", Link: links });
    res.end(JSON.stringify(pagesOfEvents[index] ?? []));
  });
  return { ...server, requests };
}

let time: ReturnType<typeof virtualTime>;
let close: (() => Promise<void>) | null = null;
beforeEach(() => {
  minute = 0;
  time = virtualTime();
});
afterEach(async () => {
  await close?.();
  close = null;
});

async function clientOf(
  server: Awaited<ReturnType<typeof logServer>>,
  options: Partial<OktaClientOptions> = {},
) {
  close = server.close;
  return new OktaClient({
    domain: server.url,
    token: TOKEN,
    allowInsecureLocalhost: true,
    ...time,
    // Virtual time from NOW: the client's waits move it.
    now: () => NOW + time.now(),
    ...options,
  });
}

async function changesOf(okta: OktaClient) {
  const changes: DirectoryChange[] = [];
  for await (const page of pages((cursor) => okta.listChanges(cursor, { since, until })))
    changes.push(...page);
  return changes;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as Error,
  );

describe("listChanges: the System Log as changes", () => {
  it("pages through a bounded listing: since, until, oldest first, 1,000 a page, only the sync's event types", async () => {
    const events = [ADA, BOB, ADA, BOB, ADA].map((id, i) =>
      logEvent(`uuid-${i}`, "group.user_membership.add", [user(id), group(OPS)]),
    );
    const server = await logServer([events.slice(0, 2), events.slice(2, 4), events.slice(4)]);
    const okta = await clientOf(server);

    const changes = await changesOf(okta);
    expect(changes.map((c) => [c.id, c.at])).toEqual(events.map((e) => [e.uuid, at(e)]));
    expect(okta.requestCount).toBe(3);
    const [first, ...rest] = server.requests;
    expect(first?.pathname).toBe("/api/v1/logs");
    expect(Object.fromEntries(first?.searchParams ?? [])).toEqual({
      limit: "1000",
      since: "2030-05-31T12:00:00.000Z",
      until: "2030-06-01T11:55:00.000Z",
      sortOrder: "ASCENDING",
      filter:
        'eventType eq "group.user_membership.add" or eventType eq "group.user_membership.remove" or ' +
        'eventType eq "group.lifecycle.create" or eventType eq "group.lifecycle.delete" or ' +
        'eventType eq "user.lifecycle.delete.completed"',
    });
    // The next links, exactly as given: the same query and Okta's cursor.
    expect(rest.map((url) => url.searchParams.get("after"))).toEqual(["1", "2"]);
    expect(rest.every((url) => url.searchParams.get("filter") === first?.searchParams.get("filter"))).toBe(
      true,
    );
  });

  it("refuses a next link or a cursor off the org or the log", async () => {
    const server = await logServer([], () => ({
      body: [],
      headers: { Link: '<http://evil.example/api/v1/logs?after=1>; rel="next"' },
    }));
    const okta = await clientOf(server);
    await expect(okta.listChanges(null, { since, until })).rejects.toThrow(/outside/);
    await expect(okta.listChanges(`${server.url}/api/v1/users?after=1`, { since, until })).rejects.toThrow(
      OktaResponseError,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("maps each event type the sync uses to its change", async () => {
    const events = [
      logEvent("a", "group.user_membership.add", [user(ADA), group(OPS)]),
      // Targets are found by type, wherever they sit in the array.
      logEvent("b", "group.user_membership.remove", [group(DEV), user(BOB)]),
      logEvent("c", "group.lifecycle.create", [group(DEV)]),
      logEvent("d", "group.lifecycle.delete", [group(OPS)]),
      logEvent("e", "user.lifecycle.delete.completed", [user(BOB)]),
    ];
    const okta = await clientOf(await logServer([events]));
    const [a, b, c, d, e] = events.map(at);
    expect(await changesOf(okta)).toEqual([
      { id: "a", at: a, kind: "membership-added", groupExternalId: OPS, userExternalId: ADA },
      { id: "b", at: b, kind: "membership-removed", groupExternalId: DEV, userExternalId: BOB },
      { id: "c", at: c, kind: "group-created", groupExternalId: DEV },
      { id: "d", at: d, kind: "group-deleted", groupExternalId: OPS },
      { id: "e", at: e, kind: "user-deleted", userExternalId: BOB },
    ]);
  });

  it("skips events that changed nothing, that it does not apply, or without the targets they need", async () => {
    const kept = logEvent("kept", "group.user_membership.add", [user(ADA), group(OPS)]);
    const events = [
      logEvent("failed", "group.user_membership.add", [user(ADA), group(OPS)], {
        result: "FAILURE",
        reason: "x",
      }),
      logEvent("skipped", "group.user_membership.remove", [user(ADA), group(OPS)], { result: "SKIPPED" }),
      logEvent("no-outcome", "group.lifecycle.delete", [group(OPS)], null),
      logEvent("no-group", "group.user_membership.add", [user(ADA)]),
      logEvent("no-user", "user.lifecycle.delete.completed", [group(OPS)]),
      logEvent("no-targets", "group.lifecycle.create", []),
      { ...logEvent("null-targets", "group.lifecycle.create", []), target: null },
      logEvent("path-in-id", "group.user_membership.add", [user("../../api/v1/users"), group(OPS)]),
      logEvent("long-id", "group.lifecycle.create", [group("0".repeat(65))]),
      logEvent("numeric-id", "group.lifecycle.delete", [{ id: 42, type: "UserGroup" }]),
      logEvent("untyped", "user.lifecycle.delete.completed", [{ id: ADA }]),
      logEvent("garbage-target", "group.lifecycle.create", ["00gops0000000000000o", null]),
      // The first target of a type is the one: another of that type does not stand in for it.
      logEvent("first-bad", "user.lifecycle.delete.completed", [user("bad id"), user(BOB)]),
      // A server that does not apply the filter: other types are not changes.
      logEvent("other-type", "user.lifecycle.deactivate", [user(ADA)]),
      logEvent("login", "user.session.start", [user(ADA)]),
      kept,
    ];
    const okta = await clientOf(await logServer([events]));
    expect(await changesOf(okta)).toEqual([
      { id: "kept", at: at(kept), kind: "membership-added", groupExternalId: OPS, userExternalId: ADA },
    ]);
  });

  it("keeps an event Okta repeats in a page once", async () => {
    const add = logEvent("same", "group.user_membership.add", [user(ADA), group(OPS)]);
    const remove = logEvent("other", "group.user_membership.remove", [user(ADA), group(OPS)]);
    const okta = await clientOf(
      await logServer([[add, remove, add, { ...add, target: [user(BOB), group(DEV)] }]]),
    );
    const changes = await changesOf(okta);
    expect(changes.map((c) => c.id)).toEqual(["same", "other"]);
    expect(changes[0]).toMatchObject({ userExternalId: ADA, groupExternalId: OPS });
  });

  it("fails a page with an event it cannot identify or order, rather than skip a change", async () => {
    const good = logEvent("good", "group.lifecycle.create", [group(OPS)]);
    for (const broken of [
      { ...good, uuid: undefined },
      { ...good, uuid: "not/an/okta/id" },
      { ...good, published: "yesterday" },
      { ...good, eventType: null },
    ]) {
      const okta = await clientOf(await logServer([[good, broken]]));
      const error = await failure(okta.listChanges(null, { since, until }));
      expect(error).toBeInstanceOf(OktaResponseError);
      expect(error.message).toMatch(/unexpected shape \(1\./);
      await close?.();
      close = null;
    }
  });

  it("refuses a listing whose since is not before its until, before sending anything", async () => {
    const server = await logServer([[]]);
    const okta = await clientOf(server);
    await expect(okta.listChanges(null, { since: until, until })).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("listChanges: when the log cannot be used", () => {
  it("says the token's admin cannot read the System Log on a 403, without retrying", async () => {
    const server = await logServer([], () => ({
      status: 403,
      body: {
        errorCode: "E0000006",
        errorSummary: "You do not have permission to perform the requested action",
        errorLink: "E0000006",
        errorId: "oaeXyz123",
        errorCauses: [],
      },
    }));
    const okta = await clientOf(server);
    const error = await failure(okta.listChanges(null, { since, until }));
    expect(error).toBeInstanceOf(ChangeLogUnavailableError);
    expect(error).toMatchObject({ reason: "forbidden" });
    expect(error.message).toMatch(/^The API token's admin cannot read Okta's System Log/);
    expect(error.message).toMatch(/Read-Only Administrator role, or an OAuth app the okta\.logs\.read scope/);
    expect(error.message).toMatch(/\(HTTP 403 E0000006 on GET \/api\/v1\/logs Okta error id oaeXyz123\)/);
    expect(okta.requestCount).toBe(1);
  });

  it("says the log does not reach back that far on a 400 about since; other 400s stay Okta's errors", async () => {
    let summary = "Api validation failed: since";
    const server = await logServer([], () => ({
      status: 400,
      body: {
        errorCode: "E0000001",
        errorSummary: summary,
        errorLink: "E0000001",
        errorId: "oaeAbc",
        errorCauses: [{ errorSummary: "since: The date is outside the allowed range" }],
      },
    }));
    const okta = await clientOf(server);
    const error = await failure(okta.listChanges(null, { since, until }));
    expect(error).toBeInstanceOf(ChangeLogUnavailableError);
    expect(error).toMatchObject({ reason: "retention" });
    expect(error.message).toMatch(/keeps 90 days\): Api validation failed: since \(HTTP 400 E0000001/);

    summary = "Api validation failed: filter";
    const other = await failure(okta.listChanges(null, { since, until }));
    expect(other).toBeInstanceOf(OktaApiError);
    expect(other).toMatchObject({ status: 400, summary });
    expect(okta.requestCount).toBe(2);
  });

  it("does not ask for a since past the log's 90 days: Okta may answer with what it still has", async () => {
    const server = await logServer([[]]);
    const okta = await clientOf(server);
    const old = new Date(NOW - 90 * 86_400_000);
    const error = await failure(okta.listChanges(null, { since: old, until }));
    expect(error).toMatchObject({ reason: "retention", message: expect.stringMatching(/keeps 90 days/) });
    expect(server.requests).toHaveLength(0);
    const recent = new Date(NOW - 89 * 86_400_000);
    expect(await okta.listChanges(null, { since: recent, until })).toEqual({ items: [], next: null });
    expect(server.requests).toHaveLength(1);
  });

  it("retries Okta's failures on the log as on any listing", async () => {
    let failures = 2;
    const event = logEvent("a", "group.lifecycle.create", [group(OPS)]);
    const server = await logServer([[event]], () =>
      failures-- > 0
        ? { status: 503, body: { errorCode: "E0000009", errorSummary: "Internal Server Error" } }
        : null,
    );
    const okta = await clientOf(server);
    expect((await okta.listChanges(null, { since, until })).items.map((c) => c.id)).toEqual(["a"]);
    expect(okta.requestCount).toBe(3);
    expect(time.slept).toHaveLength(2);
  });
});

describe("listChanges against a hostile Okta echoing the token", () => {
  /** Every form of the token the client sent, in every field of Okta's error body. */
  const echo = (req: IncomingMessage, status: number, summary: string): Answer => {
    const sent = String(req.headers.authorization);
    const forms = [sent, encodeURIComponent(sent), Buffer.from(sent).toString("base64")];
    return {
      status,
      body: {
        errorCode: `E0000001 ${sent}`,
        errorSummary: `${summary} ${forms.join(" ")}`,
        errorLink: sent,
        errorId: sent,
        errorCauses: forms.map((form) => ({ errorSummary: form })),
      },
    };
  };

  it.each([
    ["a 403", 403, "forbidden"],
    ["a 400 about since", 400, "since"],
    ["a 400 about something else", 400, "filter"],
    ["a 401", 401, "Invalid token provided"],
    ["a 500", 500, "Internal Server Error"],
  ])("keeps the token out of the error for %s, in every encoding", async (_name, status, summary) => {
    const server = await logServer([], (req) => echo(req, status, summary));
    const okta = await clientOf(server, { token: HOSTILE_TOKEN, maxRetries: 1 });
    const error = await failure(okta.listChanges(null, { since, until }));
    expect(leakedFromError(error, HOSTILE_TOKEN)).toEqual([]);
    if (summary === "since") expect(error).toMatchObject({ reason: "retention", message: /\[redacted\]/ });
  });

  it("keeps the token out of the changes and of the error for an event that carries it", async () => {
    const event = logEvent("a", "group.user_membership.add", [user(ADA), group(OPS)]);
    const leaky = { ...event, uuid: HOSTILE_TOKEN, displayMessage: HOSTILE_TOKEN };
    const server = await logServer([
      [event, { ...event, uuid: "b", target: [user(HOSTILE_TOKEN), group(OPS)] }],
    ]);
    const okta = await clientOf(server, { token: HOSTILE_TOKEN });
    const { items } = await okta.listChanges(null, { since, until });
    expect(items.map((c) => c.id)).toEqual(["a"]);
    expect(leakedForms(JSON.stringify(items), HOSTILE_TOKEN)).toEqual([]);

    await close?.();
    const bad = await logServer([[leaky]]);
    const error = await failure(
      (await clientOf(bad, { token: HOSTILE_TOKEN })).listChanges(null, { since, until }),
    );
    expect(error).toBeInstanceOf(OktaResponseError);
    expect(leakedForms(inspect(error, { depth: 10 }), HOSTILE_TOKEN)).toEqual([]);
  });
});

describe("the System Log's own rate limit", () => {
  it("paces the log on its own headers: a spent log budget slows no other listing, and theirs not the log", async () => {
    const reset = String(NOW / 1000 + 30);
    const headers = (limit: number, remaining: number) => ({
      Date: new Date(NOW).toUTCString(),
      "X-Rate-Limit-Limit": String(limit),
      "X-Rate-Limit-Remaining": String(remaining),
      "X-Rate-Limit-Reset": reset,
    });
    const server = await logServer([], (_req, url) => {
      if (url.pathname === "/api/v1/logs") {
        // Okta's log allows 20 a minute: 2 left are the 10% kept for the org's other integrations.
        return { body: [], headers: headers(20, 2) };
      }
      const body = url.pathname === "/.well-known/okta-organization" ? { id: "00o1" } : [];
      return { body, headers: headers(600, 500) };
    });
    const okta = await clientOf(server);
    await okta.listChanges(null, { since, until });
    for (let i = 0; i < 3; i++) {
      await okta.listUsers(null);
      await okta.listGroups(null);
      await okta.listGroupMembers(OPS, null);
      await okta.organization();
    }
    expect(time.slept).toEqual([]);
    await okta.listChanges(null, { since, until });
    // The log waits for its reset (30 s after the Date header) and a second.
    expect(time.slept).toEqual([31_000]);
    expect(server.requests.map((url) => url.pathname)).toEqual([
      "/api/v1/logs",
      ...Array(3)
        .fill([
          "/api/v1/users",
          "/api/v1/groups",
          `/api/v1/groups/${OPS}/users`,
          "/.well-known/okta-organization",
        ])
        .flat(),
      "/api/v1/logs",
    ]);
  });
});

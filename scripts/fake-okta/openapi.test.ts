import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";

/**
 * The fake's answers checked against Okta's own OpenAPI description (a copy of
 * shared/reference/okta/okta-management-subset.yaml), so the client is tested against Okta's
 * shapes and not only the fake's idea of them.
 */

const spec = parse(readFileSync(new URL("./okta-openapi.yaml", import.meta.url), "utf8"));
// The one deviation, on purpose: the spec says profile.email is never null, but orgs that import
// users from apps or directories do send `"email": null`, and the fake sends it to test the client.
spec.components.schemas.UserProfile.properties.email.nullable = true;

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, "okta");

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
/** The schema of a documented answer, following a `$ref` to a shared response. */
function responseValidator(path: string, status: number): ValidateFunction {
  const response = spec.paths[path].get.responses[String(status)];
  const base = response.$ref
    ? `okta${response.$ref}`
    : `okta#/${pointer("paths", path, "get", "responses", String(status))}`;
  return ajv.compile({ $ref: `${base}/content/application~1json/schema` });
}

let fake: FakeOkta;
beforeAll(async () => {
  fake = await startFakeOkta({ users: 600, groups: 15, seed: 11 });
});
afterAll(() => fake.close());

async function expectValid(path: string, url: string, status = 200, token = fake.token) {
  const response = await fetch(`${fake.url}${url}`, { headers: { Authorization: `SSWS ${token}` } });
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await response.json();
  const validate = responseValidator(path, status);
  expect(validate(body), ajv.errorsText(validate.errors)).toBe(true);
  return { response, body };
}

describe("the fake answers as Okta's OpenAPI description says", () => {
  it("validates the validator: a wrong shape fails", () => {
    const validate = responseValidator("/api/v1/users", 200);
    expect(validate([{ id: 42, status: "ASLEEP", profile: { login: "x" } }])).toBe(false);
    expect(validate([{ id: "00u1", status: "ACTIVE", profile: { email: null, login: "abcde@x.io" } }])).toBe(
      true,
    );
  });

  it("lists users, every page, every status", async () => {
    const filter = encodeURIComponent(
      'status eq "ACTIVE" or status eq "DEPROVISIONED" or status eq "STAGED"',
    );
    await expectValid("/api/v1/users", "/api/v1/users?limit=200");
    const { response } = await expectValid("/api/v1/users", `/api/v1/users?limit=200&filter=${filter}`);
    const next = /<([^>]+)>; rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
    await expectValid("/api/v1/users", (next ?? "").slice(fake.url.length));
  });

  it("validates the validator: a wrong log event fails", () => {
    const validate = responseValidator("/api/v1/logs", 200);
    expect(validate([{ uuid: "x", published: "yesterday", outcome: { result: "WON" } }])).toBe(false);
    expect(validate([{ uuid: "x", published: "2026-01-01T00:00:00.000Z", target: [{ id: 1 }] }])).toBe(false);
  });

  it("serves the System Log's events, of every type the fake records, as LogEvents", async () => {
    const since = new Date(fake.now()).toISOString();
    const dir = fake.directory;
    const user = dir.createUser({ login: "log.shape@example.com", email: null, firstName: "Zoë" });
    dir.updateUser(user.id, { title: "Lead" });
    for (const status of ["SUSPENDED", "ACTIVE", "LOCKED_OUT", "ACTIVE", "RECOVERY", "ACTIVE"]) {
      dir.setUserStatus(user.id, status);
    }
    dir.setUserStatus(user.id, "PASSWORD_EXPIRED");
    const group = dir.createGroup("Log shape");
    dir.addMember(group.id, user.id);
    dir.removeMember(group.id, user.id);
    dir.renameGroup(group.id, "Log shape, renamed");
    dir.deleteGroup(group.id);
    dir.deleteUser(user.id);
    dir.createUser({ login: "staged.shape@example.com" }, "PROVISIONED");

    const query = `/api/v1/logs?since=${encodeURIComponent(since)}&limit=1000`;
    const { body } = await expectValid("/api/v1/logs", query);
    expect(new Set(body.map((event: { eventType: string }) => event.eventType))).toEqual(
      new Set([
        "user.lifecycle.create",
        "user.lifecycle.activate",
        "user.account.update_profile",
        "user.lifecycle.suspend",
        "user.lifecycle.unsuspend",
        "user.account.lock",
        "user.account.unlock",
        "user.account.reset_password",
        "user.account.update_password",
        "user.account.expire_password",
        "group.lifecycle.create",
        "group.user_membership.add",
        "group.user_membership.remove",
        "group.profile.update",
        "group.lifecycle.delete",
        "user.lifecycle.deactivate",
        "user.lifecycle.delete.initiated",
        "user.lifecycle.delete.completed",
      ]),
    );
  });

  it("lists groups, with stats, and a group's members", async () => {
    const { body } = await expectValid("/api/v1/groups", "/api/v1/groups?expand=stats");
    for (const group of body.slice(0, 3)) {
      await expectValid("/api/v1/groups/{groupId}/users", `/api/v1/groups/${group.id}/users?limit=200`);
    }
  });

  it("sends error bodies in Okta's documented shape", async () => {
    await expectValid("/api/v1/groups/{groupId}/users", "/api/v1/groups/00gmissing/users", 404);
    fake.setPermissions({ users: false });
    await expectValid("/api/v1/users", "/api/v1/users", 403);
    fake.setPermissions({ users: true });
    fake.setRateLimits({ groups: 0 });
    await expectValid("/api/v1/groups", "/api/v1/groups", 429);
    await expectValid("/api/v1/logs", "/api/v1/logs?limit=5000", 400);
    fake.setHostile({ logsForbidden: true });
    await expectValid("/api/v1/logs", "/api/v1/logs", 403);
    fake.setHostile({ logsForbidden: false });
    fake.setRateLimits({ logs: 0 });
    await expectValid("/api/v1/logs", "/api/v1/logs", 429);
    // The spec documents no 400 for this path: check the body against its Error schema.
    const badFilter = await fetch(`${fake.url}/api/v1/users?filter=bogus`, {
      headers: { Authorization: `SSWS ${fake.token}` },
    });
    const error = await badFilter.json();
    expect(ajv.validate({ $ref: "okta#/components/schemas/Error" }, error)).toBe(true);
    expect(error).toMatchObject({ errorCode: "E0000001", errorSummary: expect.stringMatching(/filter/) });
  });
});

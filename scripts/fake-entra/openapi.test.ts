import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type FakeEntra, GRAPH_SCOPE, startFakeEntra } from "@/scripts/fake-entra";

/**
 * The fake's Graph answers checked against Microsoft Graph's own API description (the subset in
 * graph-openapi.yaml, see README.md), so the client is tested against Graph's shapes and not only
 * the fake's idea of them.
 */

const spec = parse(readFileSync(new URL("./graph-openapi.yaml", import.meta.url), "utf8"));
// The one deviation, on purpose: the description says innerError.date has an offset, but Graph
// sends it without one ("2026-01-01T00:00:00"), and so does the fake.
const innerDate = spec.components.schemas["microsoft.graph.ODataErrors.InnerError"].properties.date;
delete innerDate.pattern;
delete innerDate.format;

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, "graph");

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
/** The schema of a documented answer (`2XX`, `4XX`, `5XX`), following its `$ref` to a shared response. */
function responseValidator(path: string, status: number): ValidateFunction {
  const range = `${String(status)[0]}XX`;
  const response = spec.paths[path].get.responses[range];
  const base = response.$ref
    ? `graph${response.$ref}`
    : `graph#/${pointer("paths", path, "get", "responses", range)}`;
  return ajv.compile({ $ref: `${base}/content/application~1json/schema` });
}

let fake: FakeEntra;
let token = "";
beforeAll(async () => {
  fake = await startFakeEntra({ users: 2500, groups: 6, seed: 12 });
  const answer = await fetch(`${fake.url}/${fake.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: fake.app.clientId,
      client_secret: fake.app.secrets[0]?.value ?? "",
      scope: GRAPH_SCOPE,
    }),
  });
  token = ((await answer.json()) as { access_token: string }).access_token;
});
afterAll(() => fake.close());

async function expectValid(path: string, url: string, status = 200, bearer = token) {
  const response = await fetch(url.startsWith("http") ? url : `${fake.url}${url}`, {
    headers: { Authorization: `Bearer ${bearer}` },
  });
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await response.json();
  const validate = responseValidator(path, status);
  expect(validate(body), ajv.errorsText(validate.errors)).toBe(true);
  return body;
}

describe("the fake answers as Microsoft Graph's API description says", () => {
  it("validates the validator: wrong shapes fail", () => {
    const users = responseValidator("/users", 200);
    expect(users({ value: [{ id: 42, accountEnabled: "yes" }] })).toBe(false);
    expect(users({ value: [{ id: "x", createdDateTime: "yesterday" }] })).toBe(false);
    expect(users({ value: [{ id: "x", mail: null, accountEnabled: false }], "@odata.nextLink": null })).toBe(
      true,
    );
    const error = responseValidator("/users", 404);
    expect(error({ error: { message: "no code" } })).toBe(false);
    expect(error({ errorCode: "E0000007" })).toBe(false);
  });

  it("lists users, page after page, selected and not", async () => {
    const select = "id,displayName,givenName,surname,mail,userPrincipalName,accountEnabled,createdDateTime";
    const first = await expectValid("/users", `/v1.0/users?$select=${select}&$top=999`);
    expect(first.value).toHaveLength(999);
    expect(Object.keys(first.value[0]).sort()).toEqual(select.split(",").sort());
    const second = await expectValid("/users", first["@odata.nextLink"]);
    const third = await expectValid("/users", second["@odata.nextLink"]);
    expect(third["@odata.nextLink"]).toBeUndefined();
    expect(first.value.length + second.value.length + third.value.length).toBe(2500);
    const plain = await expectValid("/users", "/v1.0/users");
    expect(plain.value).toHaveLength(100);
  });

  it("lists groups and a group's transitive user members", async () => {
    const groups = await expectValid(
      "/groups",
      "/v1.0/groups?$select=id,displayName,description,groupTypes,securityEnabled,mailEnabled&$top=999",
    );
    for (const group of groups.value.slice(0, 3)) {
      await expectValid(
        "/groups/{group-id}/transitiveMembers/graph.user",
        `/v1.0/groups/${group.id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`,
      );
    }
    await expectValid("/groups", "/v1.0/groups");
  });

  it("answers delta rounds and a group's transitive memberOf", async () => {
    const users = responseValidator("/users/delta()", 200);
    expect(users({ value: [{ id: "x", "@removed": { reason: "changed" } }], "@odata.deltaLink": 7 })).toBe(
      false,
    );
    let link = "/v1.0/users/delta?$select=displayName,accountEnabled,createdDateTime";
    for (
      let body = await expectValid("/users/delta()", link);
      ;
      body = await expectValid("/users/delta()", link)
    ) {
      if (!body["@odata.nextLink"]) {
        link = body["@odata.deltaLink"];
        break;
      }
      link = body["@odata.nextLink"];
    }
    const [kept, gone] = fake.directory.users;
    fake.directory.updateUser(kept?.id ?? "", { accountEnabled: !kept?.accountEnabled });
    fake.directory.deleteUser(gone?.id ?? "");
    expect((await expectValid("/users/delta()", link)).value).toHaveLength(2);

    const parent = fake.directory.createGroup({ displayName: "Parent" });
    const child = fake.directory.groups.find((g) => g.id !== parent.id);
    fake.directory.addMember(parent.id, child?.id ?? "");
    fake.directory.addMember(parent.id, kept?.id ?? "");
    const groups = await expectValid(
      "/groups/delta()",
      "/v1.0/groups/delta?$select=displayName,groupTypes,members",
    );
    expect(groups["@odata.deltaLink"]).toEqual(expect.any(String));
    fake.directory.removeMember(parent.id, kept?.id ?? "");
    expect((await expectValid("/groups/delta()", groups["@odata.deltaLink"])).value).toHaveLength(1);
    const ancestors = await expectValid(
      "/groups/{group-id}/transitiveMemberOf/graph.group",
      `/v1.0/groups/${child?.id}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName&$top=999`,
    );
    expect(ancestors.value.map((g: { id: string }) => g.id)).toContain(parent.id);
    fake.advanceClock(8 * 86_400_000);
    // The access token expired too; a fresh one meets the expired delta token.
    const renewed = await fetch(`${fake.url}/${fake.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: fake.app.clientId,
        client_secret: fake.app.secrets[0]?.value ?? "",
        scope: GRAPH_SCOPE,
      }),
    });
    token = ((await renewed.json()) as { access_token: string }).access_token;
    expect((await expectValid("/groups/delta()", groups["@odata.deltaLink"], 410)).error.code).toBe(
      "syncStateNotFound",
    );
    expect((await expectValid("/users/delta()", "/v1.0/users/delta?$top=5", 400)).error.code).toBe(
      "Request_UnsupportedQuery",
    );
  });

  it("sends error bodies in Graph's documented shape", async () => {
    const missing = await expectValid(
      "/groups/{group-id}/transitiveMembers/graph.user",
      "/v1.0/groups/00000000-0000-4000-8000-000000000000/transitiveMembers/microsoft.graph.user",
      404,
    );
    expect(missing.error.code).toBe("Request_ResourceNotFound");
    expect((await expectValid("/users", "/v1.0/users?$top=1000", 400)).error.code).toBe("Request_BadRequest");
    expect((await expectValid("/users", "/v1.0/users?$select=password", 400)).error.code).toBe(
      "Request_BadRequest",
    );
    expect((await expectValid("/users", "/v1.0/users?$skiptoken=forged", 400)).error.code).toBe(
      "Directory_ExpiredPageToken",
    );
    expect((await expectValid("/users", "/v1.0/users", 401, "not-a-token")).error.code).toBe(
      "InvalidAuthenticationToken",
    );
    fake.updateApp(fake.app.clientId, { permissions: ["GroupMember.Read.All"] });
    expect((await expectValid("/users", "/v1.0/users", 403)).error.code).toBe("Authorization_RequestDenied");
    fake.updateApp(fake.app.clientId, { permissions: ["User.Read.All", "GroupMember.Read.All"] });
    fake.setThrottle({ requests: 0, windowMs: 1000 });
    expect((await expectValid("/groups", "/v1.0/groups", 429)).error.code).toBe("TooManyRequests");
    fake.setThrottle(null);
    fake.injectFault({ fault: { kind: "status", status: 503, retryAfter: 3 } });
    await expectValid("/groups", "/v1.0/groups", 503);
  });
});

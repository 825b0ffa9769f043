import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GoogleDirectoryClient } from "@/lib/google/client";
import { parseServiceAccountKey } from "@/lib/google/service-account-key";
import { type FakeGoogle, startFakeGoogle } from "@/scripts/fake-google";

/**
 * The fake's answers, and the client's requests, checked against Google's discovery document for
 * the Directory API (the cut-down copy in directory-discovery.json; see README.md), so the client
 * is tested against Google's shapes and not only the fake's idea of them.
 */

interface Schema {
  type?: string;
  format?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
}
interface Parameter {
  type: string;
  location: string;
  enum?: string[];
  minimum?: string;
  maximum?: string;
}
const discovery = JSON.parse(
  readFileSync(new URL("./directory-discovery.json", import.meta.url), "utf8"),
) as {
  schemas: Record<string, Schema>;
  resources: Record<string, { methods: { list: { path: string; parameters: Record<string, Parameter> } } }>;
};

/** Where `value` departs from `schema` (strictly: a property the schema does not declare is one). */
function problems(value: unknown, schema: Schema, at = "$"): string[] {
  const resolved = schema.$ref ? discovery.schemas[schema.$ref] : schema;
  if (!resolved) return [`${at}: unknown schema ${schema.$ref}`];
  switch (resolved.type) {
    case "any":
      return [];
    case "string":
      if (typeof value !== "string") return [`${at}: not a string`];
      if (resolved.format === "date-time" && Number.isNaN(Date.parse(value)))
        return [`${at}: not a date-time`];
      if (resolved.format === "int64" && !/^-?\d+$/.test(value)) return [`${at}: not an int64`];
      return [];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: not a boolean`];
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: not an integer`];
    case "array":
      return Array.isArray(value)
        ? value.flatMap((item, i) => problems(item, resolved.items ?? {}, `${at}[${i}]`))
        : [`${at}: not an array`];
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return [`${at}: not an object`];
      return Object.entries(value).flatMap(([key, item]) => {
        const property = resolved.properties?.[key] ?? resolved.additionalProperties;
        return property ? problems(item, property, `${at}.${key}`) : [`${at}.${key}: not in the schema`];
      });
    }
    default:
      return [`${at}: schema type ${resolved.type}`];
  }
}

/** Where a request's query departs from the method's documented parameters. */
function queryProblems(query: Record<string, string>, parameters: Record<string, Parameter>): string[] {
  return Object.entries(query).flatMap(([name, value]) => {
    const parameter = parameters[name];
    if (parameter?.location !== "query") return [`${name}: not a parameter`];
    if (parameter.enum && !parameter.enum.includes(value)) return [`${name}: ${value} not in its enum`];
    if (parameter.type === "boolean" && !/^(true|false)$/.test(value)) return [`${name}: not a boolean`];
    if (parameter.type === "integer") {
      const n = Number(value);
      if (!Number.isInteger(n)) return [`${name}: not an integer`];
      if (parameter.minimum && n < Number(parameter.minimum)) return [`${name}: below its minimum`];
      if (parameter.maximum && n > Number(parameter.maximum)) return [`${name}: above its maximum`];
    }
    return [];
  });
}

let fake: FakeGoogle;
let token: string;
beforeAll(async () => {
  fake = await startFakeGoogle({ users: 650, groups: 9, seed: 21 });
  const key = parseServiceAccountKey(fake.demoKey);
  if (!key.ok) throw new Error(key.message);
  // The client drives the listings; its requests are checked against the document too.
  const google = new GoogleDirectoryClient({
    key: key.key,
    adminEmail: fake.adminEmail,
    endpoints: { token: fake.url, api: fake.url },
    allowInsecureLocalhost: true,
  });
  await google.listUsers(null);
  const groups = await google.listGroups(null);
  await google.listGroupMembers(groups.items[0]?.externalId ?? "", null);
  token = [...fake.secretsSeen].find((s) => s.startsWith("ya29.")) ?? "";
});
afterAll(() => fake.close());

async function get(path: string) {
  const response = await fetch(`${fake.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every page of a listing, each checked against its schema. */
async function everyPage(path: string, schema: string, key: string) {
  const items: unknown[] = [];
  let pageToken: string | undefined;
  do {
    const { status, body } = await get(
      `${path}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`,
    );
    expect(status).toBe(200);
    expect(problems(body, { $ref: schema })).toEqual([]);
    items.push(...((body[key] as unknown[]) ?? []));
    pageToken = body.nextPageToken as string | undefined;
  } while (pageToken);
  return items;
}

describe("the fake answers as Google's discovery document says", () => {
  it("validates the validator: a wrong shape fails", () => {
    expect(
      problems(
        { users: [{ id: 7, suspended: "no", name: { givenName: "A", nick: "x" } }] },
        { $ref: "Users" },
      ),
    ).toEqual([
      "$.users[0].id: not a string",
      "$.users[0].suspended: not a boolean",
      "$.users[0].name.nick: not in the schema",
    ]);
    expect(problems({ groups: [{ directMembersCount: 3 }] }, { $ref: "Groups" })).toEqual([
      "$.groups[0].directMembersCount: not a string",
    ]);
  });

  it("lists users, every page (500 at most)", async () => {
    const users = await everyPage(
      "/admin/directory/v1/users?customer=my_customer&maxResults=500&orderBy=email",
      "Users",
      "users",
    );
    expect(users).toHaveLength(650);
  });

  it("lists groups and members, direct and derived", async () => {
    const groups = (await everyPage(
      "/admin/directory/v1/groups?customer=my_customer&maxResults=200",
      "Groups",
      "groups",
    )) as {
      id: string;
    }[];
    expect(groups).toHaveLength(9);
    for (const { id } of groups) {
      for (const derived of ["true", "false"]) {
        await everyPage(
          `/admin/directory/v1/groups/${id}/members?maxResults=200&includeDerivedMembership=${derived}`,
          "Members",
          "members",
        );
      }
    }
  });

  it("is asked only with the parameters each method documents, in range", () => {
    const methods = {
      "/admin/directory/v1/users": discovery.resources.users?.methods.list,
      "/admin/directory/v1/groups": discovery.resources.groups?.methods.list,
    };
    const asked = fake.requests.filter((r) => r.method === "GET" && r.path.startsWith("/admin/"));
    expect(asked.length).toBeGreaterThanOrEqual(3);
    for (const request of asked) {
      const method =
        methods[request.path as keyof typeof methods] ?? discovery.resources.members?.methods.list;
      expect(queryProblems(request.query, method?.parameters ?? {}), request.path).toEqual([]);
    }
  });
});

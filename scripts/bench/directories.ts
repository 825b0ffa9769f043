/**
 * The directories a bench sync reads, each a fake in the bench's process: Okta, Microsoft Entra ID
 * and Google Workspace, driven the same way by the scenarios (the sync created as its form creates
 * it, the fake's request log counted by endpoint family, the switch the app needs to reach it).
 */

import type { z } from "zod";
import type { MemberContext } from "@/lib/auth/member";
import type { Db } from "@/lib/db";
import { endpointFamily } from "@/lib/okta/pacing";
import { createEntraSync, createGoogleSync } from "@/lib/user-sync/directories";
import { entraSyncInput, googleSyncInput, type syncSettingsInput, userSyncInput } from "@/lib/user-sync/form";
import { createUserSync, type SaveResult } from "@/lib/user-sync/service";
import { startFakeEntra } from "@/scripts/fake-entra";
import { TOKEN_PATH as GOOGLE_TOKEN_PATH, startFakeGoogle } from "@/scripts/fake-google";
import { type FakeOkta, type RateLimits, startFakeOkta } from "@/scripts/fake-okta";

export type Provider = "okta" | "entra" | "google";

export interface OrgSize {
  users: number;
  groups: number;
  memberships: number;
  seed: number;
}

export interface BenchDirectory {
  provider: Provider;
  label: string;
  url: string;
  /** What the fake holds (memberships as it counts them). */
  shape: { users: number; groups: number; memberships: number };
  /** The fake's request log since the last `clearRequests`. */
  requests(): readonly { path: string; status?: number }[];
  clearRequests(): void;
  /** The endpoint family a request is counted in (Okta's rate-limit families; token, users, groups, members). */
  family(path: string): string;
  families: readonly string[];
  /** What the app's process needs to reach the fake. */
  appEnv: Record<string, string>;
  /** The sync of this directory, created as its form creates it; its id. */
  createSync(db: Db, owner: MemberContext, settings: SyncSettings): Promise<string>;
  /** Changes the directory between syncs: renames `users` users and moves one member in each of 10 groups. */
  change?(users: number): void;
  close(): Promise<void>;
}

/** What every directory's sync is given alike (its name is its directory's). */
export type SyncSettings = Omit<z.input<typeof syncSettingsInput>, "name">;

function created(result: SaveResult): string {
  if (!result.ok)
    throw new Error(`Creating the sync: ${result.message} ${JSON.stringify(result.fieldErrors)}`);
  return result.id;
}

/** Token, users, groups and members: the requests of a sync of Entra ID or Google Workspace. */
const readFamilies = (token: (path: string) => boolean, members: RegExp, api: string) => (path: string) =>
  token(path)
    ? "token"
    : members.test(path)
      ? "members"
      : path.startsWith(`${api}/groups`)
        ? "groups"
        : path.startsWith(`${api}/users`)
          ? "users"
          : "other";
const READ_FAMILIES = ["token", "users", "groups", "members", "other"] as const;

/** A fake directory as `change` edits it (Entra ID's and Google's have these alike). */
interface EditableDirectory {
  users: readonly { id: string }[];
  groups: readonly { id: string }[];
  updateUser(id: string, patch: { givenName: string }): unknown;
  addMember(groupId: string, memberId: string): unknown;
}

/** Renames `users` users from `skip` on, and adds one of the last users to each of the first 10 groups. */
function changeUsersAndGroups(directory: EditableDirectory, users: number, skip = 0): void {
  const all = directory.users;
  for (const user of all.slice(skip, skip + users))
    directory.updateUser(user.id, { givenName: `Changed ${user.id}` });
  for (const [i, group] of directory.groups.slice(0, 10).entries()) {
    const user = all[all.length - 1 - i];
    if (user) directory.addMember(group.id, user.id);
  }
}

export async function oktaDirectory(
  size: OrgSize,
  rateLimits: RateLimits,
): Promise<BenchDirectory & { fake: FakeOkta }> {
  const fake = await startFakeOkta({ ...size, rateLimits, host: "127.0.0.1" });
  return {
    provider: "okta",
    label: "Okta",
    url: fake.url,
    fake,
    shape: {
      users: fake.directory.users.length,
      groups: fake.directory.groups.length,
      memberships: fake.directory.membershipCount(),
    },
    requests: () => fake.requests,
    clearRequests: () => fake.clearRequests(),
    family: endpointFamily,
    families: ["users", "groups", "logs", "other"],
    appEnv: { OKTA_ALLOW_INSECURE_LOCALHOST: "1" },
    createSync: async (db, owner, settings) =>
      created(
        await createUserSync(
          db,
          owner,
          userSyncInput.parse({ ...settings, name: "Okta bench", domain: fake.url, token: fake.token }),
        ),
      ),
    close: () => fake.close(),
  };
}

export async function entraDirectory(size: OrgSize): Promise<BenchDirectory> {
  // Graph's throttling off, as Okta's rate limits are for the bench's other scenarios.
  const fake = await startFakeEntra({ ...size, throttle: null, host: "127.0.0.1" });
  return {
    provider: "entra",
    label: "Entra ID",
    url: fake.url,
    shape: {
      users: fake.directory.users.length,
      groups: fake.directory.groups.length,
      memberships: fake.directory.membershipCount(),
    },
    requests: () => fake.requests,
    clearRequests: () => fake.clearRequests(),
    family: readFamilies(
      (path) => path.endsWith("/oauth2/v2.0/token"),
      /^\/v1\.0\/groups\/[^/]+\/transitiveMembers/,
      "/v1.0",
    ),
    families: READ_FAMILIES,
    appEnv: { ENTRA_DEV_URL: fake.url },
    change: (users) => changeUsersAndGroups(fake.directory, users),
    createSync: async (db, owner, settings) =>
      created(
        await createEntraSync(
          db,
          owner,
          entraSyncInput.parse({
            ...settings,
            name: "Entra ID bench",
            tenantId: fake.tenantId,
            clientId: fake.app.clientId,
            clientSecret: fake.app.secrets[0]?.value,
          }),
        ),
      ),
    close: () => fake.close(),
  };
}

export async function googleDirectory(size: OrgSize): Promise<BenchDirectory> {
  // Its own domain: Okta's fake is on example.com, and the syncs share the organization's unique emails.
  const fake = await startFakeGoogle({
    users: size.users,
    groups: size.groups,
    seed: size.seed,
    domain: "workspace.example.net",
    quota: { perMinute: 1e9 },
    host: "127.0.0.1",
  });
  return {
    provider: "google",
    label: "Google Workspace",
    url: fake.url,
    shape: {
      users: fake.directory.users.length,
      groups: fake.directory.groups.length,
      memberships: fake.directory.membershipCount(),
    },
    requests: () => fake.requests,
    clearRequests: () => fake.clearRequests(),
    family: readFamilies(
      (path) => path === GOOGLE_TOKEN_PATH,
      /^\/admin\/directory\/v1\/groups\/[^/]+\/members/,
      "/admin/directory/v1",
    ),
    families: READ_FAMILIES,
    appEnv: { GOOGLE_DEV_URL: fake.url },
    // The first user is the admin the sync acts as.
    change: (users) => changeUsersAndGroups(fake.directory, users, 1),
    createSync: async (db, owner, settings) =>
      created(
        await createGoogleSync(
          db,
          owner,
          googleSyncInput.parse({
            ...settings,
            name: "Google Workspace bench",
            serviceAccountKey: fake.demoKey,
            adminEmail: fake.adminEmail,
          }),
        ),
      ),
    close: () => fake.close(),
  };
}

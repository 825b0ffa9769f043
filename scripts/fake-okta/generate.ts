import { type FakeGroup, type FakeUser, type GroupType, USER_STATUSES } from "./directory";

/**
 * Deterministic org data from a seed, with what real orgs hold and syncs trip over: non-ASCII
 * names, missing last names, null and duplicate emails, every status, skewed group sizes and the
 * BUILT_IN Everyone group. 100,000 users and 300,000 memberships take about a second.
 */

export interface GenerateOptions {
  users?: number;
  /** Groups besides Everyone. */
  groups?: number;
  /** Memberships besides Everyone's (default: three per user). */
  memberships?: number;
  seed?: number;
}

/** mulberry32: tiny, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const base62 = (n: number, width: number) => {
  let out = "";
  for (let i = 0; i < width; i++, n = Math.floor(n / 62)) out = BASE62[n % 62] + out;
  return out;
};

/** Okta-like 20-character ids (`00u…`, `00g…`) that sort in creation order. */
export const idMaker =
  (seed: number) =>
  (prefix: string, sequence: number): string => {
    let hash = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ sequence;
    let suffix = "";
    for (let i = 0; i < 10; i++) {
      hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) ^ Math.imul(hash ^ (hash >>> 12), 0x297a2d39);
      suffix += BASE62[(hash >>> 0) % 62];
    }
    return `${prefix}${base62(sequence, 7)}${suffix}`;
  };

// biome-ignore format: a word list
const FIRST_NAMES = [
  "James", "Mary", "Wei", "Fatima", "José", "Zoë", "Søren", "Łukasz", "Ngọc", "Chloé", "Björn", "Åsa",
  "Siobhán", "François", "Jürgen", "Olúwaseun", "Priya", "Mateo", "Yuki", "Иван", "美咲", "Kofi", "Ana",
  "Noah", "Emma", "Liam", "Olivia", "Mohammed", "Sofía", "Dmitri", "Ingrid", "Raj", "Amara", "Tomás",
  "Élodie", "Hiroshi", "Leilani", "Çağla", "Đorđe", "Grace",
];
// biome-ignore format: a word list
const LAST_NAMES = [
  "Smith", "García", "Müller", "Nguyễn", "O'Brien", "Dvořák", "Kowalski", "Andersson", "Øvergaard", "Rossi",
  "Dubois", "Kim", "Patel", "Silva", "Ivanova", "田中", "Okafor", "Hernández", "Schröder", "Johansson", "Chen",
  "Fernández", "Nowak", "Haddad", "van der Berg", "Łęcki", "Brown", "Wilson", "Yılmaz", "Papadopoulos",
];
// biome-ignore format: a word list
const DEPARTMENTS = [
  "Engineering", "Sales", "Marketing", "Finance", "Human Resources", "Legal", "Support", "Operations",
  "Product", "Design", "IT", "Research", "Équipe Paris", "Vertrieb München", "営業部",
];
const TEAMS = [
  "Team",
  "Admins",
  "Managers",
  "EMEA",
  "APAC",
  "Americas",
  "Contractors",
  "On-call",
  "Approvers",
];
/** Cumulative shares of USER_STATUSES: 80% ACTIVE, 3% STAGED, 4% PROVISIONED, …, 5% DEPROVISIONED. */
const STATUS_SHARES = [0.8, 0.83, 0.87, 0.88, 0.9, 0.92, 0.95, 1];

const EPOCH = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const ASCII_FOLDS: Record<string, string> = { ł: "l", ø: "o", đ: "d", ı: "i", ß: "ss", æ: "ae" };

/** The ASCII part of a name for a login (`Łukasz` → `lukasz`); empty for scripts without one. */
const asciiNames = new Map<string, string>();
function asciiOf(name: string): string {
  let ascii = asciiNames.get(name);
  if (ascii === undefined) {
    ascii = name
      .toLowerCase()
      .normalize("NFD")
      .replace(/[łøđıßæ]/g, (c) => ASCII_FOLDS[c] ?? c)
      .replace(/[^a-z0-9]/g, "");
    asciiNames.set(name, ascii);
  }
  return ascii;
}

export function generateDirectory(options: GenerateOptions = {}): { users: FakeUser[]; groups: FakeGroup[] } {
  const seed = options.seed ?? 1;
  const userCount = options.users ?? 100;
  const groupCount = options.groups ?? 10;
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const chance = (p: number) => next() < p;
  const newId = idMaker(seed);

  const users: FakeUser[] = new Array(userCount);
  const loginCounts = new Map<string, number>();
  for (let i = 0; i < userCount; i++) {
    const firstName = pick(FIRST_NAMES);
    const lastName = chance(0.02) ? null : pick(LAST_NAMES);
    const last = lastName === null ? "" : asciiOf(lastName);
    const base = (last ? `${asciiOf(firstName) || "user"}.${last}` : asciiOf(firstName)) || "user";
    const n = (loginCounts.get(base) ?? 0) + 1;
    loginCounts.set(base, n);
    const login = `${base}${n > 1 ? n : ""}@example.com`;
    const duplicateOf = i > 0 && chance(0.005) ? users[Math.floor(next() * i)] : undefined;
    const email = chance(0.01)
      ? null
      : (duplicateOf?.profile.email ??
        (chance(0.1) ? login.replace("example.com", "mail.example.org") : login));
    // The first users take every status once, so even a tiny org has them all.
    const roll = next();
    const status =
      USER_STATUSES[i] ?? USER_STATUSES[STATUS_SHARES.findIndex((share) => roll < share)] ?? "ACTIVE";
    const created = EPOCH + Math.floor(next() * 365 * DAY);
    const lastUpdated = created + Math.floor(next() * 180 * DAY);
    const neverActive = status === "STAGED" || status === "PROVISIONED";
    users[i] = {
      id: newId("00u", i),
      status,
      created,
      activated: neverActive ? null : created + 3_600_000,
      statusChanged: status === "ACTIVE" && chance(0.5) ? null : lastUpdated,
      lastLogin: neverActive || chance(0.2) ? null : lastUpdated + Math.floor(next() * 30 * DAY),
      lastUpdated,
      passwordChanged: neverActive ? null : created + 3_600_000,
      profile: {
        firstName,
        lastName,
        ...(chance(0.3) ? { displayName: lastName ? `${firstName} ${lastName}` : firstName } : {}),
        login,
        email,
        secondEmail: null,
        mobilePhone: chance(0.4) ? `+1-555-${String(i % 10_000).padStart(4, "0")}` : null,
        department: pick(DEPARTMENTS),
        employeeNumber: String(10_000 + i),
      },
    };
  }

  const groups: FakeGroup[] = [
    {
      id: newId("00g", userCount),
      type: "BUILT_IN",
      created: EPOCH,
      lastUpdated: EPOCH,
      lastMembershipUpdated: users.reduce((max, u) => Math.max(max, u.created), EPOCH),
      name: "Everyone",
      description: "All users in your organization",
      members: null,
    },
  ];
  const sizes = groupSizes(groupCount, options.memberships ?? userCount * 3, userCount, next);
  const names = new Set<string>();
  for (let g = 0; g < groupCount; g++) {
    let name = `${pick(DEPARTMENTS)} ${pick(TEAMS)}`;
    if (names.has(name)) name = `${name} ${g}`;
    names.add(name);
    const type: GroupType = chance(0.15) ? "APP_GROUP" : "OKTA_GROUP";
    const created = EPOCH + Math.floor(next() * 365 * DAY);
    const members = sample(sizes[g] ?? 0, userCount, next).map((index) => (users[index] as FakeUser).id);
    groups.push({
      id: newId("00g", userCount + 1 + g),
      type,
      created,
      lastUpdated: created + Math.floor(next() * 90 * DAY),
      lastMembershipUpdated: created + Math.floor(next() * 200 * DAY),
      name,
      description: chance(0.2)
        ? null
        : `${name} (${type === "APP_GROUP" ? "imported from Active Directory" : "managed in Okta"})`,
      members,
    });
  }
  return { users, groups };
}

/** Zipf-like sizes (a few large groups, many small ones) adding up to about `total`, in random order. */
function groupSizes(groups: number, total: number, users: number, next: () => number): number[] {
  const weights = Array.from({ length: groups }, (_, rank) => 1 / (rank + 1) ** 0.8);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.min(users, Math.round((total * w) / sum)));
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j] as number, sizes[i] as number];
  }
  return sizes;
}

/** `k` distinct indices below `n`, sorted (Floyd's algorithm: O(k), whatever n is). */
function sample(k: number, n: number, next: () => number): number[] {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(next() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Array.from(Int32Array.from(chosen).sort());
}

/** Org data written by hand: users (ids optional) and groups whose members are user ids or logins. */
export interface DirectoryJson {
  users: { id?: string; status?: string; profile: Record<string, unknown>; lastUpdated?: string }[];
  groups?: { id?: string; name: string; description?: string | null; type?: GroupType; members?: string[] }[];
}

export function directoryFromJson(json: DirectoryJson, seed = 1): { users: FakeUser[]; groups: FakeGroup[] } {
  const newId = idMaker(seed);
  const users = json.users.map((u, i): FakeUser => {
    const lastUpdated = u.lastUpdated ? Date.parse(u.lastUpdated) : EPOCH;
    return {
      id: u.id ?? newId("00u", i),
      status: u.status ?? "ACTIVE",
      created: EPOCH,
      activated: EPOCH,
      statusChanged: null,
      lastLogin: null,
      lastUpdated,
      passwordChanged: null,
      profile: u.profile,
    };
  });
  const idOf = new Map(
    users.flatMap(
      (u) =>
        [
          [u.id, u.id],
          [String(u.profile.login), u.id],
        ] as const,
    ),
  );
  const everyone: FakeGroup = {
    id: newId("00g", users.length),
    type: "BUILT_IN",
    created: EPOCH,
    lastUpdated: EPOCH,
    lastMembershipUpdated: EPOCH,
    name: "Everyone",
    description: "All users in your organization",
    members: null,
  };
  const groups = (json.groups ?? []).map(
    (g, i): FakeGroup => ({
      id: g.id ?? newId("00g", users.length + 1 + i),
      type: g.type ?? "OKTA_GROUP",
      created: EPOCH,
      lastUpdated: EPOCH,
      lastMembershipUpdated: EPOCH,
      name: g.name,
      description: g.description ?? null,
      members: (g.members ?? []).map((m) => {
        const id = idOf.get(m);
        if (!id) throw new Error(`Group ${g.name} lists an unknown member: ${m}`);
        return id;
      }),
    }),
  );
  return { users, groups: [everyone, ...groups] };
}

import type { FakeGroup, FakeUser } from "./directory";

/**
 * A deterministic Workspace from a seed: an admin first, non-ASCII names, suspended (5%) and
 * archived (3%) users, organizational units, groups of skewed sizes, some nested in others and one
 * holding the whole customer. 100,000 users and 300,000 memberships take about a second.
 */

export interface GenerateOptions {
  users?: number;
  groups?: number;
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

/** Google-like ids: users 21 digits (`1…`), groups 15 base-36 characters (`0…`), unique per sequence. */
export const idMaker = (seed: number) => {
  const salt = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) >>> 0) % 1_000_000_000;
  const userPrefix = `1${String(salt).padStart(9, "0")}`;
  const groupPrefix = `0${(salt % 46_656).toString(36).padStart(3, "0")}`;
  return (kind: "user" | "group", sequence: number) =>
    kind === "user"
      ? `${userPrefix}${String(sequence).padStart(11, "0")}`
      : `${groupPrefix}${sequence.toString(36).padStart(11, "0")}`;
};

// biome-ignore format: a word list
const GIVEN_NAMES = [
  "James", "Mary", "Wei", "Fatima", "José", "Zoë", "Søren", "Łukasz", "Ngọc", "Chloé", "Björn", "Åsa",
  "Siobhán", "François", "Jürgen", "Olúwaseun", "Priya", "Mateo", "Yuki", "Иван", "美咲", "Kofi", "Ana",
];
// biome-ignore format: a word list
const FAMILY_NAMES = [
  "Smith", "García", "Müller", "Nguyễn", "O'Brien", "Dvořák", "Kowalski", "Andersson", "Øvergaard", "Rossi",
  "Dubois", "Kim", "Patel", "Silva", "Ivanova", "田中", "Okafor", "Hernández", "Schröder", "van der Berg",
];
const ORG_UNITS = ["/", "/Engineering", "/Sales", "/Support/EMEA", "/Support/APAC", "/Contractors"];
const TEAMS = ["engineering", "sales", "support", "finance", "legal", "design", "ops", "research"];
const EPOCH = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

/** The ASCII part of a name for an address (`Łukasz` → `lukasz`), computed once per name. */
const asciiNames = new Map<string, string>();
function ascii(name: string): string {
  let folded = asciiNames.get(name);
  if (folded === undefined) {
    folded = name
      .toLowerCase()
      .normalize("NFD")
      .replace(/[łø]/g, (c) => (c === "ł" ? "l" : "o"))
      .replace(/[^a-z0-9]/g, "");
    asciiNames.set(name, folded);
  }
  return folded;
}

export function generateDirectory(options: GenerateOptions & { domain: string; customerId: string }): {
  users: FakeUser[];
  groups: FakeGroup[];
} {
  const seed = options.seed ?? 1;
  const userCount = Math.max(1, options.users ?? 100);
  const groupCount = options.groups ?? 10;
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const newId = idMaker(seed);
  const taken = new Map<string, number>();
  const users: FakeUser[] = new Array(userCount);
  for (let i = 0; i < userCount; i++) {
    const givenName = i === 0 ? "Ada" : pick(GIVEN_NAMES);
    const familyName = i === 0 ? "Admin" : pick(FAMILY_NAMES);
    const base = i === 0 ? "admin" : `${ascii(givenName) || "user"}.${ascii(familyName) || "user"}`;
    const n = (taken.get(base) ?? 0) + 1;
    taken.set(base, n);
    const roll = next();
    const creationTime = EPOCH + Math.floor(next() * 365 * DAY);
    users[i] = {
      id: newId("user", i),
      primaryEmail: `${base}${n > 1 ? n : ""}@${options.domain}`,
      givenName,
      familyName,
      orgUnitPath: i === 0 ? "/" : pick(ORG_UNITS),
      suspended: i > 0 && roll < 0.05,
      archived: i > 0 && roll >= 0.05 && roll < 0.08,
      isAdmin: i === 0,
      isDelegatedAdmin: false,
      creationTime,
      lastLoginTime: next() < 0.2 ? null : creationTime + Math.floor(next() * 30 * DAY),
    };
  }
  const groups: FakeGroup[] = [];
  for (let g = 0; g < groupCount; g++) {
    const team = pick(TEAMS);
    groups.push({
      id: newId("group", userCount + g),
      email: `${team}-${g}@${options.domain}`,
      name: `${team[0]?.toUpperCase()}${team.slice(1)} ${g}`,
      description: next() < 0.2 ? "" : `The ${team} team (${g})`,
      adminCreated: true,
      members: new Map(),
    });
  }
  // Shared entries: a membership is replaced, never changed in place.
  const owner = { type: "USER", role: "OWNER" } as const;
  const member = { type: "USER", role: "MEMBER" } as const;
  // Skewed sizes: group g holds about 3 × users / (g + 1)^0.8 / Σ of users, capped at all of them.
  const weights = groups.map((_, g) => 1 / (g + 1) ** 0.8);
  const sum = weights.reduce((a, b) => a + b, 0);
  groups.forEach((group, g) => {
    const size = Math.min(userCount, Math.round((3 * userCount * (weights[g] ?? 0)) / sum));
    const start = Math.floor(next() * userCount);
    for (let k = 0; k < size; k++) {
      const user = users[(start + k * 7919) % userCount] as FakeUser;
      group.members.set(user.id, k === 0 ? owner : member);
    }
    // Every fourth group holds the one before it: nested groups, no cycles.
    const previous = groups[g - 1];
    if (g % 4 === 3 && previous) group.members.set(previous.id, { type: "GROUP", role: "MEMBER" });
    if (g === 1) group.members.set(options.customerId, { type: "CUSTOMER", role: "MEMBER" });
  });
  // Addresses made here are lower case already: sorted as they are.
  return { users: sortedBy(users, (u) => u.primaryEmail), groups: sortedBy(groups, (g) => g.email) };
}

/** Sorted by a key computed once per item (sorting the items by it directly is several times slower). */
function sortedBy<T>(items: T[], keyOf: (item: T) => string): T[] {
  const keys = items.map(keyOf);
  const order = keys.map((_, i) => i).sort((a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : 1));
  return order.map((i) => items[i] as T);
}

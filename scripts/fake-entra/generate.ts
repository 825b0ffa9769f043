import type { FakeGroup, FakeUser } from "./directory";

/**
 * Deterministic tenant data from a seed, with what real tenants hold and syncs trip over:
 * non-ASCII names, guests (`#EXT#` user principal names), users without a mailbox (`mail` null),
 * disabled accounts, Microsoft 365, security and distribution groups, and nested groups. 100,000
 * users and 300,000 memberships take about a second.
 */

export interface GenerateOptions {
  users?: number;
  groups?: number;
  /** Direct user memberships in all (default: three per user). */
  memberships?: number;
  seed?: number;
  /** The tenant's initial domain, e.g. `contoso.onmicrosoft.com`. */
  domain?: string;
}

/** mulberry32: tiny, fast, and the same sequence on every machine. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Version 4 GUIDs from a seeded generator (Entra's object ids are GUIDs in no particular order). */
export function guidMaker(next: () => number): () => string {
  const hex = (n: number) =>
    Math.floor(n * 0x10000)
      .toString(16)
      .padStart(4, "0");
  return () => {
    const w = Array.from({ length: 8 }, () => hex(next()));
    const variant = ((Number.parseInt(w[4] as string, 16) & 0x3fff) | 0x8000).toString(16);
    return `${w[0]}${w[1]}-${w[2]}-4${(w[3] as string).slice(1)}-${variant}-${w[5]}${w[6]}${w[7]}`;
  };
}

// biome-ignore format: a word list
const FIRST_NAMES = [
  "James", "Mary", "Wei", "Fatima", "José", "Zoë", "Søren", "Łukasz", "Ngọc", "Chloé", "Björn", "Åsa",
  "Siobhán", "François", "Jürgen", "Olúwaseun", "Priya", "Mateo", "Yuki", "Иван", "美咲", "Kofi", "Ana",
  "Noah", "Emma", "Liam", "Olivia", "Mohammed", "Sofía", "Dmitri", "Ingrid", "Raj", "Amara", "Tomás",
];
// biome-ignore format: a word list
const LAST_NAMES = [
  "Smith", "García", "Müller", "Nguyễn", "O'Brien", "Dvořák", "Kowalski", "Andersson", "Øvergaard", "Rossi",
  "Dubois", "Kim", "Patel", "Silva", "Ivanova", "田中", "Okafor", "Hernández", "Schröder", "Chen",
];
// biome-ignore format: a word list
const DEPARTMENTS = [
  "Engineering", "Sales", "Marketing", "Finance", "Human Resources", "Legal", "Support", "Operations",
  "Product", "Design", "IT", "Équipe Paris", "Vertrieb München", "営業部",
];
const TEAMS = ["Team", "Admins", "Managers", "EMEA", "APAC", "Americas", "Contractors", "On-call"];
const EPOCH = Date.UTC(2023, 0, 1);
const DAY = 86_400_000;

/** The ASCII part of a name for an alias (`Łukasz` → `lukasz`), kept per name: names repeat. */
const asciiNames = new Map<string, string>();
function asciiOf(name: string): string {
  let ascii = asciiNames.get(name);
  if (ascii === undefined) {
    ascii = name
      .toLowerCase()
      .normalize("NFD")
      .replace(/ł/g, "l")
      .replace(/ø/g, "o")
      .replace(/[^a-z0-9]/g, "");
    asciiNames.set(name, ascii);
  }
  return ascii;
}

export function generateDirectory(options: GenerateOptions = {}): {
  users: FakeUser[];
  groups: FakeGroup[];
  newId: () => string;
} {
  const next = random(options.seed ?? 1);
  const newId = guidMaker(next);
  const domain = options.domain ?? "contoso.onmicrosoft.com";
  const userCount = options.users ?? 100;
  const groupCount = options.groups ?? 10;
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const chance = (p: number) => next() < p;

  const users: FakeUser[] = new Array(userCount);
  const upnCounts = new Map<string, number>();
  for (let i = 0; i < userCount; i++) {
    const givenName = chance(0.02) ? null : pick(FIRST_NAMES);
    const surname = chance(0.03) ? null : pick(LAST_NAMES);
    const base =
      [givenName, surname]
        .map((n) => (n ? asciiOf(n) : ""))
        .filter(Boolean)
        .join(".") || "user";
    const n = (upnCounts.get(base) ?? 0) + 1;
    upnCounts.set(base, n);
    const alias = `${base}${n > 1 ? n : ""}`;
    // The first users are one of each kind, so even a tiny tenant has them all.
    const guest = i === 1 || (i > 3 && chance(0.05));
    const external = `${alias}@partner.example`;
    users[i] = {
      id: newId(),
      displayName: givenName && surname ? `${givenName} ${surname}` : givenName || surname || alias,
      givenName,
      surname,
      userPrincipalName: guest ? `${external.replace("@", "_")}#EXT#@${domain}` : `${alias}@${domain}`,
      mail: guest ? external : i === 2 || chance(0.08) ? null : `${alias}@${domain}`,
      accountEnabled: !(i === 3 || chance(0.05)),
      createdDateTime: EPOCH + Math.floor(next() * 700 * DAY),
      jobTitle: chance(0.5) ? pick(["Engineer", "Manager", "Analyst", "Director"]) : null,
      department: pick(DEPARTMENTS),
    };
  }

  const groups: FakeGroup[] = [];
  const total = options.memberships ?? userCount * 3;
  const weights = Array.from({ length: groupCount }, (_, rank) => 1 / (rank + 1) ** 0.8);
  const sum = weights.reduce((a, b) => a + b, 0);
  const names = new Set<string>();
  for (let g = 0; g < groupCount; g++) {
    let displayName = `${pick(DEPARTMENTS)} ${pick(TEAMS)}`;
    if (names.has(displayName)) displayName = `${displayName} ${g}`;
    names.add(displayName);
    const kind = g % 4 === 1 ? "m365" : g % 4 === 3 ? "distribution" : "security";
    const alias = asciiOf(displayName) || `group${g}`;
    const size = Math.min(userCount, Math.round((total * (weights[g] as number)) / sum));
    groups.push({
      id: newId(),
      displayName,
      description: chance(0.3) ? null : `${displayName} (${kind})`,
      groupTypes: kind === "m365" ? ["Unified"] : [],
      securityEnabled: kind !== "distribution",
      mailEnabled: kind !== "security",
      mail: kind === "security" ? null : `${alias}@${domain}`,
      createdDateTime: EPOCH + Math.floor(next() * 700 * DAY),
      members: sample(size, userCount, next, (index) => (users[index] as FakeUser).id),
    });
  }
  // Nesting: every fifth security group holds the next group, so transitive listings have work.
  for (let g = 0; g + 1 < groups.length; g += 5) {
    const parent = groups[g] as FakeGroup;
    if (parent.securityEnabled) parent.members.add((groups[g + 1] as FakeGroup).id);
  }
  return { users, groups, newId };
}

/** `k` distinct indices below `n` (Floyd's algorithm: O(k), whatever n is), each as `item` makes it. */
function sample<T>(k: number, n: number, next: () => number, item: (index: number) => T): Set<T> {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(next() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  const items = new Set<T>();
  for (const index of chosen) items.add(item(index));
  return items;
}

import { z } from "zod";
import type { DirectoryChange, DirectoryGroup, DirectoryPerson } from "@/lib/directory/types";
import { withoutInvisibleControls } from "@/lib/input";
import { OKTA_ID } from "./errors";

/**
 * Okta's JSON as the client relies on it. Objects are loose (Okta adds fields over time), optional
 * fields accept explicit nulls, and a profile attribute of an unexpected type reads as null rather
 * than failing a whole page. What the sync cannot do without (ids, statuses, group names) is required.
 */

const timestamp = z.string().nullish();
const toDate = (value: string | null | undefined) => {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
};

export const OktaUser = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  created: timestamp,
  lastUpdated: timestamp,
  profile: z.record(z.string(), z.unknown()).nullish(),
});

/** A group's member: the sync needs only its id (the user itself comes from the users listing). */
export const OktaMember = z.looseObject({ id: z.string().min(1) });

export const OktaGroup = z.looseObject({
  id: z.string().min(1),
  type: z.string().nullish(),
  lastUpdated: timestamp,
  lastMembershipUpdated: timestamp,
  profile: z.looseObject({ name: z.string(), description: z.string().nullish() }),
  /** With `expand=stats`. */
  _embedded: z
    .looseObject({ stats: z.looseObject({ usersCount: z.number().int().nonnegative() }).nullish() })
    .nullish(),
});

/** `GET /.well-known/okta-organization`: public, and only Okta orgs serve it. */
export const OktaOrganization = z.looseObject({
  id: z.string().min(1),
  pipeline: z.string().nullish(),
  _links: z.looseObject({ organization: z.looseObject({ href: z.string() }).nullish() }).nullish(),
});

/** The System Log's events a sync reads (`listChanges`): what the users and groups listings cannot tell cheaply. */
export const CHANGE_EVENT_TYPES = [
  "group.user_membership.add",
  "group.user_membership.remove",
  "group.lifecycle.create",
  "group.lifecycle.delete",
  "user.lifecycle.delete.completed",
] as const;

/** A log event's target; one of another shape reads as null (an event that needs it is skipped). */
const OktaLogTarget = z.looseObject({ id: z.string(), type: z.string() }).nullable().catch(null);

/** A System Log event (`GET /api/v1/logs`), only what `toDirectoryChange` reads. */
export const OktaLogEvent = z.looseObject({
  uuid: z.string().regex(OKTA_ID),
  /** Changes are applied in this order: an event without a usable time fails its page. */
  published: z.string().refine((value) => toDate(value) !== null, "not a date"),
  eventType: z.string(),
  outcome: z.looseObject({ result: z.string().nullish() }).nullish(),
  target: z.array(OktaLogTarget).nullish(),
});

/**
 * The change a log event records, or null for one the sync does not apply: another type, an outcome
 * other than SUCCESS (a failed or skipped change changed nothing), or without the target it needs
 * (the first of each type, with an id shaped like Okta's).
 */
export function toDirectoryChange(event: z.infer<typeof OktaLogEvent>): DirectoryChange | null {
  if (event.outcome?.result !== "SUCCESS") return null;
  const targetId = (type: "User" | "UserGroup") => {
    const id = event.target?.find((target) => target?.type === type)?.id;
    return id !== undefined && OKTA_ID.test(id) ? id : null;
  };
  const change = { id: event.uuid, at: new Date(event.published) };
  const user = targetId("User");
  const group = targetId("UserGroup");
  switch (event.eventType) {
    case "group.user_membership.add":
    case "group.user_membership.remove": {
      const kind = event.eventType.endsWith(".add") ? "membership-added" : "membership-removed";
      return user && group ? { ...change, kind, groupExternalId: group, userExternalId: user } : null;
    }
    case "group.lifecycle.create":
    case "group.lifecycle.delete": {
      const kind = event.eventType.endsWith(".create") ? "group-created" : "group-deleted";
      return group ? { ...change, kind, groupExternalId: group } : null;
    }
    case "user.lifecycle.delete.completed":
      return user ? { ...change, kind: "user-deleted", userExternalId: user } : null;
    default:
      return null;
  }
}

/** A page of log events as changes, each event once (Okta may repeat one: the same `uuid`). */
export function toDirectoryChanges(events: z.infer<typeof OktaLogEvent>[]): DirectoryChange[] {
  const changes = new Map<string, DirectoryChange>();
  for (const event of events) {
    const change = toDirectoryChange(event);
    if (change && !changes.has(change.id)) changes.set(change.id, change);
  }
  return [...changes.values()];
}

export function toDirectoryPerson(user: z.infer<typeof OktaUser>): DirectoryPerson {
  const profile = user.profile ?? {};
  const field = (name: string) => {
    const value = profile[name];
    return typeof value === "string" ? value : null;
  };
  // A name says who someone is, so no control may disguise it; the profile keeps Okta's text.
  const name = (attribute: string) => {
    const value = field(attribute);
    return value === null ? null : withoutInvisibleControls(value);
  };
  return {
    externalId: user.id,
    status: user.status.toUpperCase(),
    username: field("login"),
    email: field("email"),
    firstName: name("firstName"),
    lastName: name("lastName"),
    displayName: name("displayName"),
    profile,
    createdAt: toDate(user.created),
    updatedAt: toDate(user.lastUpdated),
  };
}

export function toDirectoryGroup(group: z.infer<typeof OktaGroup>): DirectoryGroup {
  return {
    externalId: group.id,
    name: withoutInvisibleControls(group.profile.name),
    description: group.profile.description ? withoutInvisibleControls(group.profile.description) : null,
    type: group.type ?? null,
    memberCount: group._embedded?.stats?.usersCount ?? null,
    updatedAt: toDate(group.lastUpdated),
    membershipUpdatedAt: toDate(group.lastMembershipUpdated),
  };
}

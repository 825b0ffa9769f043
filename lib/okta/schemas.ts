import { z } from "zod";
import type { DirectoryGroup, DirectoryPerson } from "@/lib/directory/types";
import { withoutInvisibleControls } from "@/lib/input";

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

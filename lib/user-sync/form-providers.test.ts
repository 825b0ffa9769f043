import { describe, expect, it } from "vitest";
import { SyncProvider } from "@/lib/db/generated/enums";
import {
  DELETION_POLICIES,
  DIRECTORY_NAME,
  deletionPolicies,
  ENROLLMENT_TYPES,
  enrollmentTypes,
  entraSyncInput,
  PROVIDER_LABEL,
  UNIQUE_FIELDS,
  uniqueFields,
} from "./form";

const OTHERS = [SyncProvider.ENTRA_ID, SyncProvider.GOOGLE_WORKSPACE];
const descriptions = (options: readonly { description: string }[]) =>
  options.map((o) => o.description).join(" ");

describe("the help page's labels, by directory", () => {
  it("keeps Okta's wording for Okta syncs", () => {
    expect(ENROLLMENT_TYPES[2].description).toBe(
      "The users from Okta will be synced without any additional email verification or configs.",
    );
    expect(UNIQUE_FIELDS.map((f) => f.description)).toEqual([
      "The users will be created based on the Email.",
      "The users will be created based on the Username.",
    ]);
    expect(DELETION_POLICIES[0].description).toBe(
      "Users deleted or deactivated in Okta are removed from the dashboard.",
    );
  });

  it.each(OTHERS)("names %s, never Okta, with the same options and labels", (provider) => {
    for (const [options, okta] of [
      [enrollmentTypes(provider), ENROLLMENT_TYPES],
      [uniqueFields(provider), UNIQUE_FIELDS],
      [deletionPolicies(provider), DELETION_POLICIES],
    ] as const) {
      expect(descriptions(options)).not.toMatch(/okta/i);
      expect(options.map(({ value, label }) => ({ value, label }))).toEqual(
        okta.map(({ value, label }) => ({ value, label })),
      );
    }
    expect(enrollmentTypes(provider)[2].description).toContain(`from ${DIRECTORY_NAME[provider]} `);
    expect(deletionPolicies(provider)[0].description).toContain(`in ${DIRECTORY_NAME[provider]} `);
  });

  it("says which attribute each Unique field reads", () => {
    expect(descriptions(uniqueFields("ENTRA_ID"))).toMatch(/mail\b.*user principal name \(UPN\)/);
    // Google has no username: both fields are the primary email, and the form says so.
    for (const field of uniqueFields("GOOGLE_WORKSPACE"))
      expect(field.description).toContain("primary email");
  });

  it("labels every provider", () => {
    for (const provider of Object.values(SyncProvider)) {
      expect(PROVIDER_LABEL[provider]).toBeTruthy();
      expect(DIRECTORY_NAME[provider]).toBeTruthy();
    }
  });
});

describe("the Directory (tenant) ID", () => {
  const tenantErrors = (tenantId: string) =>
    entraSyncInput.shape.tenantId.safeParse(tenantId).error?.issues.map((i) => i.message) ?? [];

  it("left blank, says what to enter once", () => {
    expect(tenantErrors("")).toEqual([
      "Enter the Directory (tenant) ID, or a verified domain such as contoso.onmicrosoft.com.",
    ]);
    expect(tenantErrors("   ")).toHaveLength(1);
  });

  it("refuses what is neither a GUID nor a domain, and takes either", () => {
    expect(tenantErrors("not a tenant!")).toEqual([
      "A tenant is a GUID or a domain name, e.g. contoso.onmicrosoft.com.",
    ]);
    expect(tenantErrors("6731DE76-14a6-49ae-97bc-6eba6914391e")).toEqual([]);
    expect(tenantErrors("contoso.onmicrosoft.com")).toEqual([]);
  });
});

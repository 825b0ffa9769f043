"use client";

import { type FormEvent, startTransition, useActionState, useState } from "react";
import {
  createUserSyncAction,
  testConnectionAction,
  updateUserSyncAction,
} from "@/app/(dashboard)/user-management/user-sync/actions";
import { Button, ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FieldError, FormMessage, TextField } from "@/components/ui/field";
import type { ActionState } from "@/lib/auth/guard";
import { DEFAULT_ALERT_AFTER_FAILURES, DEFAULT_ALERT_AFTER_HOURS } from "@/lib/sync/health";
import {
  AUTH_METHODS,
  DELETION_POLICIES,
  ENROLLMENT_TYPES,
  MAX_ALERT_AFTER_FAILURES,
  MAX_ALERT_AFTER_HOURS,
  MAX_FULL_SYNC_EVERY_HOURS,
  SCHEDULES,
  UNIQUE_FIELDS,
} from "@/lib/user-sync/form";
import { ChoiceGroup } from "./choice-group";
import { PrivateKeyField } from "./private-key-field";
import type { ServiceAppKeyPair } from "./service-app-key-pair";

export interface UserSyncFormValues {
  userSyncId?: string;
  name: string;
  domain: string;
  authMethod: string;
  clientId: string;
  dpop: boolean;
  /** What is shown of the saved credential: the token's last 4, or the key's ID. */
  credentialHint?: string;
  enrollmentType: string;
  uniqueField: string;
  schedule: string;
  deletionPolicy: string;
  safeguardPercent: number;
  fullSyncEveryHours: number;
  alertAfterFailures: number;
  alertAfterHours: number;
}

const EMPTY: UserSyncFormValues = {
  name: "",
  domain: "",
  authMethod: "API_TOKEN",
  clientId: "",
  // Okta turns DPoP on for every new API service app.
  dpop: true,
  enrollmentType: "SEND_ENROLLMENT_EMAIL",
  uniqueField: "EMAIL",
  schedule: "OFF",
  deletionPolicy: "DELETE",
  safeguardPercent: 20,
  fullSyncEveryHours: 24,
  alertAfterFailures: DEFAULT_ALERT_AFTER_FAILURES,
  alertAfterHours: DEFAULT_ALERT_AFTER_HOURS,
};

/**
 * Whether Require DPoP is checked: as posted after a failed save (an unchecked box posts nothing),
 * else as saved, and on for a sync that has no service app yet.
 */
function dpopShown(initial: UserSyncFormValues | undefined, echoed: Record<string, string> | undefined) {
  if (echoed?.authMethod === "OAUTH_SERVICE_APP") return echoed.dpop === "true";
  return initial?.authMethod === "OAUTH_SERVICE_APP" ? initial.dpop : EMPTY.dpop;
}

const HEALTH_ALERT_FIELDS = [
  {
    name: "alertAfterFailures",
    label: "Alert after failed runs in a row",
    max: MAX_ALERT_AFTER_FAILURES,
    hint: `1 to ${MAX_ALERT_AFTER_FAILURES}, default ${DEFAULT_ALERT_AFTER_FAILURES}.`,
  },
  {
    name: "alertAfterHours",
    label: "Alert after hours without success",
    max: MAX_ALERT_AFTER_HOURS,
    hint: `1 to ${MAX_ALERT_AFTER_HOURS}, default ${DEFAULT_ALERT_AFTER_HOURS}; counted once a run has failed.`,
  },
] as const;

/** The Okta Workspace configuration: CREATE a new sync, or save an EDIT of one. */
export function UserSyncForm({ initial }: { initial?: UserSyncFormValues }) {
  const editing = Boolean(initial?.userSyncId);
  const [saved, save, saving] = useActionState<ActionState, FormData>(
    editing ? updateUserSyncAction : createUserSyncAction,
    { ok: false },
  );
  const [tested, test, testing] = useActionState<ActionState, FormData>(testConnectionAction, { ok: false });
  // After a failed save the form shows what was typed (the server echoes it back, never the secrets).
  const values = {
    ...EMPTY,
    ...initial,
    ...(saved.values ?? {}),
    dpop: dpopShown(initial, saved.values),
  } as UserSyncFormValues;
  const [method, setMethod] = useState(values.authMethod);
  // A blank secret keeps the saved one only for the method it was saved with (and its binding).
  const savedHint = editing && initial?.authMethod === method ? initial.credentialHint : undefined;
  // Made in this browser: kept across a failed save, since its public key may already be in Okta.
  const [keyPair, setKeyPair] = useState<ServiceAppKeyPair | null>(null);
  // Field errors come from whichever of CREATE/SAVE and Test connection answered last.
  const [last, setLast] = useState<"save" | "test">("save");
  const errors = (last === "test" ? tested.fieldErrors : saved.fieldErrors) ?? {};
  // A failed save remounts the form with what was typed (the token field comes back empty).
  const key = JSON.stringify(saved.values ?? {});
  // Submitted by hand: a form `action` would reset every field after each answer, and Test
  // connection must not wipe what the admin typed. `method="post"`: a page that never hydrated
  // submits natively, and a GET would put the token in the URL.
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const intent = (event.nativeEvent as SubmitEvent).submitter?.getAttribute("value");
    setLast(intent === "test" ? "test" : "save");
    startTransition(() => (intent === "test" ? test(data) : save(data)));
  };
  return (
    <form method="post" onSubmit={submit} key={key} className="flex flex-col gap-6" noValidate>
      {initial?.userSyncId && <input type="hidden" name="userSyncId" value={initial.userSyncId} />}
      <FormMessage ok={saved.ok} message={saved.message} />
      <Card className="flex flex-col gap-5 p-6">
        <h2 className="text-base font-semibold">Configurations</h2>
        <TextField
          label="Name"
          name="name"
          defaultValue={values.name}
          errors={errors.name}
          required
          maxLength={80}
          hint="A descriptive name, e.g. Okta production."
        />
        <TextField
          label="Domain Name"
          name="domain"
          defaultValue={values.domain}
          errors={errors.domain}
          required
          placeholder="acme.okta.com"
          autoComplete="off"
          spellCheck={false}
          hint={
            editing
              ? "Changing the Domain Name requires entering the API Token or private key again: the saved one is only sent to the domain it was saved for."
              : "In Okta, open the profile dropdown and copy the domain part of the URL."
          }
        />
        <ChoiceGroup
          legend="Authentication"
          name="authMethod"
          options={AUTH_METHODS}
          defaultValue={method}
          errors={errors.authMethod}
          onChange={setMethod}
        />
        {/* The other method's fields stay, hidden and disabled: not posted, and kept if the admin switches back. */}
        <fieldset
          hidden={method !== "API_TOKEN"}
          disabled={method !== "API_TOKEN"}
          className="flex flex-col gap-5"
        >
          <TextField
            label="API Token"
            name="token"
            type="password"
            errors={errors.token}
            required={!savedHint}
            autoComplete="off"
            spellCheck={false}
            placeholder={savedHint ? `•••• ${savedHint} (leave blank to keep, same domain only)` : undefined}
            hint="In Okta: Security > API > Tokens > Create token. The token is stored encrypted and never shown again."
          />
        </fieldset>
        <fieldset
          hidden={method !== "OAUTH_SERVICE_APP"}
          disabled={method !== "OAUTH_SERVICE_APP"}
          className="flex flex-col gap-5"
        >
          <TextField
            label="Client ID"
            name="clientId"
            defaultValue={values.clientId}
            errors={errors.clientId}
            required
            maxLength={100}
            autoComplete="off"
            spellCheck={false}
            placeholder="0oa1b2c3d4E5F6G7h8i9"
            hint={
              savedHint
                ? "From the API service app's General tab in Okta. Changing it requires entering the private key again."
                : "In Okta: Applications > Applications > the API service app > General > Client Credentials."
            }
          />
          <PrivateKeyField
            generated={keyPair}
            onGenerated={setKeyPair}
            onDiscard={() => setKeyPair(null)}
            errors={errors.privateKey}
            savedKeyId={savedHint}
            submitLabel={editing ? "SAVE" : "CREATE"}
          />
          <div className="flex gap-3">
            <input
              id="field-dpop"
              type="checkbox"
              name="dpop"
              value="true"
              defaultChecked={values.dpop}
              aria-invalid={errors.dpop?.length ? true : undefined}
              aria-describedby={errors.dpop?.length ? "field-dpop-error field-dpop-hint" : "field-dpop-hint"}
              className="mt-0.5 size-4 shrink-0 accent-brand-600"
            />
            <div className="flex flex-col gap-1">
              <label htmlFor="field-dpop" className="text-sm font-medium text-slate-800">
                Require DPoP
              </label>
              <p id="field-dpop-hint" className="text-xs text-slate-500">
                Match the app's setting in Okta: General &gt; General Settings &gt; Proof of possession,
                &ldquo;Require Demonstrating Proof of Possession (DPoP) header in token requests&rdquo;, which
                Okta turns on for new API service apps.
              </p>
              <FieldError id="field-dpop-error" errors={errors.dpop} />
            </div>
          </div>
        </fieldset>
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" name="intent" value="test" variant="secondary" disabled={testing}>
            {testing ? "Testing…" : "Test connection"}
          </Button>
          {tested.message && (
            <p
              role={tested.ok ? "status" : "alert"}
              className={tested.ok ? "text-sm text-emerald-700" : "text-sm text-red-700"}
            >
              {tested.message}
            </p>
          )}
        </div>
      </Card>
      <Card className="flex flex-col gap-6 p-6">
        <ChoiceGroup
          legend="Enrollment Type"
          name="enrollmentType"
          options={ENROLLMENT_TYPES}
          defaultValue={values.enrollmentType}
          errors={errors.enrollmentType}
        />
        <ChoiceGroup
          legend="Unique field"
          name="uniqueField"
          options={UNIQUE_FIELDS}
          defaultValue={values.uniqueField}
          errors={errors.uniqueField}
        />
      </Card>
      <Card className="flex flex-col gap-6 p-6">
        <h2 className="text-base font-semibold">Schedule and safety</h2>
        <div className="flex max-w-xs flex-col gap-1.5">
          <label htmlFor="field-schedule" className="text-sm font-medium text-slate-800">
            Schedule
          </label>
          <select
            id="field-schedule"
            name="schedule"
            defaultValue={values.schedule}
            className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
          >
            {SCHEDULES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
          <FieldError id="field-schedule-error" errors={errors.schedule} />
        </div>
        <TextField
          label="Full sync every (hours)"
          name="fullSyncEveryHours"
          type="number"
          min={1}
          max={MAX_FULL_SYNC_EVERY_HOURS}
          defaultValue={values.fullSyncEveryHours}
          errors={errors.fullSyncEveryHours}
          className="max-w-xs"
          hint={`How often a run lists every user and group in Okta (1 to ${MAX_FULL_SYNC_EVERY_HOURS}). In between, SYNC DATA and scheduled runs read only what changed, from Okta's System Log.`}
        />
        <ChoiceGroup
          legend="When a user is deleted or deactivated in Okta"
          name="deletionPolicy"
          options={DELETION_POLICIES}
          defaultValue={values.deletionPolicy}
          errors={errors.deletionPolicy}
        />
        <TextField
          label="Safeguard threshold (%)"
          name="safeguardPercent"
          type="number"
          min={1}
          max={100}
          defaultValue={values.safeguardPercent}
          errors={errors.safeguardPercent}
          className="max-w-xs"
          hint="A sync that would remove more than this share of the users stops and waits for your approval."
        />
        <fieldset aria-describedby="health-alerts-hint">
          <legend className="mb-1 text-sm font-medium text-slate-800">Health alerts (scheduled syncs)</legend>
          <p id="health-alerts-hint" className="mb-3 text-sm text-slate-600">
            The Owners and Administrators get one email, and the sync a banner until a run succeeds, when
            either holds.
          </p>
          <div className="flex flex-wrap gap-4">
            {HEALTH_ALERT_FIELDS.map((field) => (
              <TextField
                key={field.name}
                label={field.label}
                name={field.name}
                type="number"
                min={1}
                max={field.max}
                defaultValue={values[field.name]}
                errors={errors[field.name]}
                className="w-64"
                hint={field.hint}
              />
            ))}
          </div>
        </fieldset>
      </Card>
      <div className="flex gap-3">
        <Button type="submit" disabled={saving}>
          {saving ? "Saving…" : editing ? "SAVE" : "CREATE"}
        </Button>
        <ButtonLink
          href={
            initial?.userSyncId
              ? `/user-management/user-sync/${initial.userSyncId}`
              : "/user-management/user-sync"
          }
          variant="ghost"
        >
          Cancel
        </ButtonLink>
      </div>
    </form>
  );
}

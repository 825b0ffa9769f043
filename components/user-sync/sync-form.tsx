"use client";

import { type FormEvent, type ReactNode, startTransition, useActionState, useState } from "react";
import { Button, ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FieldError, FormMessage, TextField } from "@/components/ui/field";
import type { ActionState } from "@/lib/auth/guard";
import type { SyncProvider } from "@/lib/db/generated/enums";
import { DEFAULT_ALERT_AFTER_FAILURES, DEFAULT_ALERT_AFTER_HOURS } from "@/lib/sync/health";
import {
  DIRECTORY_NAME,
  deletionPolicies,
  enrollmentTypes,
  MAX_ALERT_AFTER_FAILURES,
  MAX_ALERT_AFTER_HOURS,
  MAX_FULL_SYNC_EVERY_HOURS,
  SCHEDULES,
  uniqueFields,
} from "@/lib/user-sync/form";
import { ChoiceGroup } from "./choice-group";

/**
 * What every directory's form shares (`syncSettingsInput`): the Enrollment Type and Unique field,
 * the schedule and safety settings, Test connection, and CREATE/SAVE, submitted so that Test
 * connection keeps what was typed.
 */

/** The settings every sync has, whatever its directory. */
export interface SyncSettingsValues {
  userSyncId?: string;
  name: string;
  enrollmentType: string;
  uniqueField: string;
  schedule: string;
  deletionPolicy: string;
  safeguardPercent: number;
  fullSyncEveryHours: number;
  alertAfterFailures: number;
  alertAfterHours: number;
}

export const SYNC_SETTINGS_DEFAULTS: SyncSettingsValues = {
  name: "",
  enrollmentType: "SEND_ENROLLMENT_EMAIL",
  uniqueField: "EMAIL",
  schedule: "OFF",
  deletionPolicy: "DELETE",
  safeguardPercent: 20,
  fullSyncEveryHours: 24,
  alertAfterFailures: DEFAULT_ALERT_AFTER_FAILURES,
  alertAfterHours: DEFAULT_ALERT_AFTER_HOURS,
};

type FormAction = (state: ActionState, data: FormData) => Promise<ActionState>;

/** The form's state: CREATE (or SAVE on EDIT) and Test connection, each with its own answer. */
export function useSyncForm({
  editing,
  create,
  update,
  test,
}: {
  editing: boolean;
  create: FormAction;
  update: FormAction;
  test: FormAction;
}) {
  const [saved, save, saving] = useActionState<ActionState, FormData>(editing ? update : create, {
    ok: false,
  });
  const [tested, runTest, testing] = useActionState<ActionState, FormData>(test, { ok: false });
  // Field errors come from whichever of CREATE/SAVE and Test connection answered last.
  const [last, setLast] = useState<"save" | "test">("save");
  const errors = (last === "test" ? tested.fieldErrors : saved.fieldErrors) ?? {};
  // Submitted by hand: a form `action` would reset every field after each answer, and Test
  // connection must not wipe what the admin typed.
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const intent = (event.nativeEvent as SubmitEvent).submitter?.getAttribute("value");
    setLast(intent === "test" ? "test" : "save");
    startTransition(() => (intent === "test" ? runTest(data) : save(data)));
  };
  return { editing, saved, saving, tested, testing, errors, submit };
}

export type SyncFormState = ReturnType<typeof useSyncForm>;

/** What to show: after a failed save, what was typed (the server echoes it back, never the secrets). */
export function shownValues<T extends SyncSettingsValues>(
  defaults: T,
  initial: Partial<T> | undefined,
  form: SyncFormState,
): T {
  return { ...defaults, ...initial, ...(form.saved.values ?? {}) } as T;
}

/**
 * A directory's form: its connection fields (`children`) in the Configurations card with Test
 * connection, then the settings every sync has. `method="post"`: a page that never hydrated
 * submits natively, and a GET would put the secret in the URL.
 */
export function SyncForm({
  form,
  provider,
  values,
  children,
}: {
  form: SyncFormState;
  provider: SyncProvider;
  values: SyncSettingsValues;
  children: ReactNode;
}) {
  const { saved, tested, testing, saving, errors } = form;
  return (
    // A failed save remounts the form with what was typed (the secret fields come back empty).
    <form
      method="post"
      onSubmit={form.submit}
      key={JSON.stringify(saved.values ?? {})}
      className="flex flex-col gap-6"
      noValidate
    >
      {values.userSyncId && <input type="hidden" name="userSyncId" value={values.userSyncId} />}
      <FormMessage ok={saved.ok} message={saved.message} />
      <Card className="flex flex-col gap-5 p-6">
        <h2 className="text-base font-semibold">Configurations</h2>
        {children}
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
      <MatchingCard provider={provider} values={values} errors={errors} />
      <ScheduleCard provider={provider} values={values} errors={errors} />
      <div className="flex gap-3">
        <Button type="submit" disabled={saving}>
          {saving ? "Saving…" : form.editing ? "SAVE" : "CREATE"}
        </Button>
        <ButtonLink
          href={
            values.userSyncId
              ? `/user-management/user-sync/${values.userSyncId}`
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

interface SettingsCardProps {
  provider: SyncProvider;
  values: SyncSettingsValues;
  errors: Record<string, string[] | undefined>;
}

/** How synced users enrol, and which field makes them one user. */
function MatchingCard({ provider, values, errors }: SettingsCardProps) {
  return (
    <Card className="flex flex-col gap-6 p-6">
      <ChoiceGroup
        legend="Enrollment Type"
        name="enrollmentType"
        options={enrollmentTypes(provider)}
        defaultValue={values.enrollmentType}
        errors={errors.enrollmentType}
      />
      <ChoiceGroup
        legend="Unique field"
        name="uniqueField"
        options={uniqueFields(provider)}
        defaultValue={values.uniqueField}
        errors={errors.uniqueField}
      />
    </Card>
  );
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

/** How often a full run lists the directory; only Okta's runs read what changed in between. */
function fullSyncHint(provider: SyncProvider) {
  const range = `1 to ${MAX_FULL_SYNC_EVERY_HOURS}`;
  return provider === "OKTA"
    ? `How often a run lists every user and group in Okta (${range}). In between, SYNC DATA and scheduled runs read only what changed, from Okta's System Log.`
    : `How often a run lists every user and group in ${DIRECTORY_NAME[provider]} (${range}).`;
}

function ScheduleCard({ provider, values, errors }: SettingsCardProps) {
  return (
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
        hint={fullSyncHint(provider)}
      />
      <ChoiceGroup
        legend={`When a user is deleted or deactivated in ${DIRECTORY_NAME[provider]}`}
        name="deletionPolicy"
        options={deletionPolicies(provider)}
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
          The Owners and Administrators get one email, and the sync a banner until a run succeeds, when either
          holds.
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
  );
}

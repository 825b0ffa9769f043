"use client";

import { type ChangeEvent, useRef, useState } from "react";
import {
  createGoogleSyncAction,
  testGoogleConnectionAction,
  updateGoogleSyncAction,
} from "@/app/(dashboard)/user-management/user-sync/directory-actions";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { FieldError, KeyTextArea, TextField } from "@/components/ui/field";
import { MAX_KEY_FILE_CHARS, readKeyFile } from "./service-account-key-file";
import {
  SYNC_SETTINGS_DEFAULTS,
  SyncForm,
  type SyncSettingsValues,
  shownValues,
  useSyncForm,
} from "./sync-form";

export interface GoogleSyncFormValues extends SyncSettingsValues {
  adminEmail: string;
  customerId: string;
  /** The saved key's service account (its client_email). */
  credentialHint?: string;
}

const EMPTY: GoogleSyncFormValues = { ...SYNC_SETTINGS_DEFAULTS, adminEmail: "", customerId: "" };

const SCOPES = [
  "https://www.googleapis.com/auth/admin.directory.user.readonly",
  "https://www.googleapis.com/auth/admin.directory.group.readonly",
];

/** The Google Workspace configuration: a service account with domain-wide delegation, acting as an admin. */
export function GoogleSyncForm({ initial }: { initial?: GoogleSyncFormValues }) {
  const editing = Boolean(initial?.userSyncId);
  const form = useSyncForm({
    editing,
    create: createGoogleSyncAction,
    update: updateGoogleSyncAction,
    test: testGoogleConnectionAction,
  });
  const values = shownValues(EMPTY, initial, form);
  const { errors } = form;
  return (
    <SyncForm form={form} provider="GOOGLE_WORKSPACE" values={values}>
      <TextField
        label="Name"
        name="name"
        defaultValue={values.name}
        errors={errors.name}
        required
        maxLength={80}
        hint="A descriptive name, e.g. Google Workspace production."
      />
      <ServiceAccountKeyField
        errors={errors.serviceAccountKey}
        savedServiceAccount={editing ? initial?.credentialHint : undefined}
      />
      <TextField
        label="Admin email"
        name="adminEmail"
        type="email"
        defaultValue={values.adminEmail}
        errors={errors.adminEmail}
        required
        maxLength={254}
        placeholder="admin@example.com"
        autoComplete="off"
        spellCheck={false}
        hint="A Workspace admin who can read users and groups: the service account acts as this admin."
      />
      <TextField
        label="Customer ID"
        name="customerId"
        defaultValue={values.customerId === "my_customer" ? "" : values.customerId}
        errors={errors.customerId}
        maxLength={22}
        placeholder="my_customer"
        autoComplete="off"
        spellCheck={false}
        className="max-w-xs"
        hint="Optional: blank reads the admin's own account. In the Admin console: Account > Account settings > Customer ID."
      />
    </SyncForm>
  );
}

const ID = "field-serviceAccountKey";

/**
 * The service account's JSON key file: chosen with a file picker, which reads it into the
 * textarea, or pasted. Never shown again once saved.
 */
function ServiceAccountKeyField({
  errors,
  savedServiceAccount,
}: {
  errors?: string[];
  /** On EDIT, the saved key's service account, when a blank field may keep it. */
  savedServiceAccount?: string;
}) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const [read, setRead] = useState<{ ok: boolean; message: string } | null>(null);
  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.currentTarget.files?.[0];
    // Cleared, so that choosing the same file again reads it again.
    event.currentTarget.value = "";
    if (!file) return;
    const result = await readKeyFile(file);
    if (result.ok && textarea.current) textarea.current.value = result.text;
    setRead(result.ok ? { ok: true, message: `Read ${file.name}.` } : result);
    textarea.current?.focus();
  };
  const invalid = Boolean(errors?.length);
  const describedBy = [invalid ? `${ID}-error` : null, `${ID}-hint`, read ? `${ID}-read` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="flex flex-col gap-1.5">
      <KeyTextArea
        id={ID}
        label="Service account key"
        invalid={invalid}
        ref={textarea}
        name="serviceAccountKey"
        rows={5}
        required={!savedServiceAccount}
        maxLength={MAX_KEY_FILE_CHARS}
        onInput={() => setRead(null)}
        aria-describedby={describedBy}
        placeholder={
          savedServiceAccount
            ? `The key of ${savedServiceAccount} is saved: leave blank to keep it (same admin email and customer ID only)`
            : '{ "type": "service_account", "client_email": "…", "private_key": "…" }'
        }
      />
      <div id={`${ID}-hint`} className="flex flex-col gap-1 text-xs text-slate-500">
        <p>
          Choose the service account&apos;s JSON key file, or paste its text. The key is stored encrypted and
          never shown again.
        </p>
        <p>
          The service account needs domain-wide delegation: in the Admin console, Security &gt; API controls
          &gt; Domain-wide delegation, add its client ID with the scopes{" "}
          {SCOPES.map((scope, i) => (
            <span key={scope}>
              {i > 0 && " and "}
              <code className="font-mono break-all text-slate-700">{scope}</code>
            </span>
          ))}
          .
        </p>
      </div>
      <FieldError id={`${ID}-error`} errors={errors} />
      <div className="mt-1 flex flex-wrap items-center gap-3">
        {/* Not posted (no name): the file's text goes in the textarea, where the admin sees what is sent. */}
        <input
          ref={picker}
          type="file"
          accept=".json,application/json"
          onChange={choose}
          hidden
          tabIndex={-1}
          aria-hidden
        />
        <Button variant="secondary" onClick={() => picker.current?.click()}>
          Choose key file…
        </Button>
        {read && (
          <p
            id={`${ID}-read`}
            role={read.ok ? "status" : "alert"}
            className={cn("text-xs font-medium", read.ok ? "text-emerald-700" : "text-red-700")}
          >
            {read.message}
          </p>
        )}
      </div>
    </div>
  );
}

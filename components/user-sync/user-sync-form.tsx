"use client";

import { useState } from "react";
import {
  createUserSyncAction,
  testConnectionAction,
  updateUserSyncAction,
} from "@/app/(dashboard)/user-management/user-sync/actions";
import { FieldError, TextField } from "@/components/ui/field";
import { AUTH_METHODS } from "@/lib/user-sync/form";
import { AuthMethodChoice } from "./choice-group";
import { PrivateKeyField } from "./private-key-field";
import type { ServiceAppKeyPair } from "./service-app-key-pair";
import {
  SYNC_SETTINGS_DEFAULTS,
  SyncForm,
  type SyncSettingsValues,
  shownValues,
  useSyncForm,
} from "./sync-form";

export interface UserSyncFormValues extends SyncSettingsValues {
  domain: string;
  authMethod: string;
  clientId: string;
  dpop: boolean;
  /** What is shown of the saved credential: the token's last 4, or the key's ID. */
  credentialHint?: string;
}

const EMPTY: UserSyncFormValues = {
  ...SYNC_SETTINGS_DEFAULTS,
  domain: "",
  authMethod: "API_TOKEN",
  clientId: "",
  // Okta turns DPoP on for every new API service app.
  dpop: true,
};

/**
 * Whether Require DPoP is checked: as posted after a failed save (an unchecked box posts nothing),
 * else as saved, and on for a sync that has no service app yet.
 */
function dpopShown(initial: UserSyncFormValues | undefined, echoed: Record<string, string> | undefined) {
  if (echoed?.authMethod === "OAUTH_SERVICE_APP") return echoed.dpop === "true";
  return initial?.authMethod === "OAUTH_SERVICE_APP" ? initial.dpop : EMPTY.dpop;
}

/** The Okta Workspace configuration: CREATE a new sync, or save an EDIT of one. */
export function UserSyncForm({ initial }: { initial?: UserSyncFormValues }) {
  const editing = Boolean(initial?.userSyncId);
  const form = useSyncForm({
    editing,
    create: createUserSyncAction,
    update: updateUserSyncAction,
    test: testConnectionAction,
  });
  const values = { ...shownValues(EMPTY, initial, form), dpop: dpopShown(initial, form.saved.values) };
  const { errors } = form;
  const [method, setMethod] = useState(values.authMethod);
  // A blank secret keeps the saved one only for the method it was saved with (and its binding).
  const savedHint = editing && initial?.authMethod === method ? initial.credentialHint : undefined;
  // Made in this browser: kept across a failed save, since its public key may already be in Okta.
  const [keyPair, setKeyPair] = useState<ServiceAppKeyPair | null>(null);
  return (
    <SyncForm form={form} provider="OKTA" values={values}>
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
      <AuthMethodChoice
        options={AUTH_METHODS}
        method={method}
        onChange={setMethod}
        errors={errors.authMethod}
        fields={{
          API_TOKEN: (
            <>
              <TextField
                label="API Token"
                name="token"
                type="password"
                errors={errors.token}
                required={!savedHint}
                autoComplete="off"
                spellCheck={false}
                placeholder={
                  savedHint ? `•••• ${savedHint} (leave blank to keep, same domain only)` : undefined
                }
                hint="In Okta: Security > API > Tokens > Create token. The token is stored encrypted and never shown again."
              />
            </>
          ),
          OAUTH_SERVICE_APP: (
            <>
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
                  aria-describedby={
                    errors.dpop?.length ? "field-dpop-error field-dpop-hint" : "field-dpop-hint"
                  }
                  className="mt-0.5 size-4 shrink-0 accent-brand-600"
                />
                <div className="flex flex-col gap-1">
                  <label htmlFor="field-dpop" className="text-sm font-medium text-slate-800">
                    Require DPoP
                  </label>
                  <p id="field-dpop-hint" className="text-xs text-slate-500">
                    Match the app's setting in Okta: General &gt; General Settings &gt; Proof of possession,
                    &ldquo;Require Demonstrating Proof of Possession (DPoP) header in token requests&rdquo;,
                    which Okta turns on for new API service apps.
                  </p>
                  <FieldError id="field-dpop-error" errors={errors.dpop} />
                </div>
              </div>
            </>
          ),
        }}
      />
    </SyncForm>
  );
}

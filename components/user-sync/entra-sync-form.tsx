"use client";

import { useState } from "react";
import {
  createEntraSyncAction,
  testEntraConnectionAction,
  updateEntraSyncAction,
} from "@/app/(dashboard)/user-management/user-sync/directory-actions";
import { TextField } from "@/components/ui/field";
import { ENTRA_AUTH_METHODS } from "@/lib/user-sync/form";
import { CertificateField } from "./certificate-field";
import { AuthMethodChoice } from "./choice-group";
import {
  SYNC_SETTINGS_DEFAULTS,
  SyncForm,
  type SyncSettingsValues,
  shownValues,
  useSyncForm,
} from "./sync-form";

export interface EntraSyncFormValues extends SyncSettingsValues {
  tenantId: string;
  clientId: string;
  authMethod: string;
  /** The saved client secret's last 4, or the saved certificate's SHA-1 thumbprint. */
  credentialHint?: string;
  /** The saved certificate's expiry (ISO). */
  credentialExpiresAt?: string;
}

const EMPTY: EntraSyncFormValues = {
  ...SYNC_SETTINGS_DEFAULTS,
  tenantId: "",
  clientId: "",
  authMethod: "CLIENT_SECRET",
};

/** The Microsoft Entra ID configuration: an app registration and its client secret or certificate. */
export function EntraSyncForm({ initial }: { initial?: EntraSyncFormValues }) {
  const editing = Boolean(initial?.userSyncId);
  const form = useSyncForm({
    editing,
    create: createEntraSyncAction,
    update: updateEntraSyncAction,
    test: testEntraConnectionAction,
  });
  const values = shownValues(EMPTY, initial, form);
  const { errors } = form;
  const [method, setMethod] = useState(values.authMethod);
  // A blank secret keeps the saved one only for the method it was saved with (and its binding).
  const savedHint = editing && initial?.authMethod === method ? initial.credentialHint : undefined;
  return (
    <SyncForm form={form} provider="ENTRA_ID" values={values}>
      <TextField
        label="Name"
        name="name"
        defaultValue={values.name}
        errors={errors.name}
        required
        maxLength={80}
        hint="A descriptive name, e.g. Entra ID production."
      />
      <TextField
        label="Directory (tenant) ID"
        name="tenantId"
        defaultValue={values.tenantId}
        errors={errors.tenantId}
        required
        maxLength={253}
        placeholder="00000000-0000-0000-0000-000000000000 or contoso.onmicrosoft.com"
        autoComplete="off"
        spellCheck={false}
        hint="In the Microsoft Entra admin center: Overview > Tenant ID; or one of the tenant's verified domains."
      />
      <TextField
        label="Application (client) ID"
        name="clientId"
        defaultValue={values.clientId}
        errors={errors.clientId}
        required
        maxLength={36}
        placeholder="00000000-0000-0000-0000-000000000000"
        autoComplete="off"
        spellCheck={false}
        hint="In App registrations: the app's Overview > Application (client) ID."
      />
      <AuthMethodChoice
        options={ENTRA_AUTH_METHODS}
        method={method}
        onChange={setMethod}
        errors={errors.authMethod}
        fields={{
          CLIENT_SECRET: (
            <>
              <TextField
                label="Client secret"
                name="clientSecret"
                type="password"
                errors={errors.clientSecret}
                required={!savedHint}
                maxLength={255}
                autoComplete="off"
                spellCheck={false}
                placeholder={
                  savedHint
                    ? `•••• ${savedHint} (leave blank to keep, same tenant and client ID only)`
                    : undefined
                }
                hint="In the app registration: Certificates & secrets > Client secrets > the secret's Value (not its Secret ID). The secret is stored encrypted and never shown again."
              />
            </>
          ),
          CERTIFICATE: (
            <>
              <CertificateField
                errors={errors.certificate}
                saved={
                  savedHint ? { thumbprint: savedHint, expiresAt: initial?.credentialExpiresAt } : undefined
                }
              />
            </>
          ),
        }}
      />
      <p className="text-xs text-slate-500">
        Either way, the app needs the Microsoft Graph application permissions User.Read.All and
        GroupMember.Read.All, with admin consent.
      </p>
    </SyncForm>
  );
}

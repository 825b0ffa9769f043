"use client";

import { type ChangeEvent, useRef } from "react";
import { FieldError, KeyTextArea } from "@/components/ui/field";

const ID = "field-certificate";

/**
 * An Entra app's certificate and its private key, one PEM: pasted, or read from a chosen file into
 * the text box (the file itself is not posted). On EDIT a blank box keeps the saved one, shown by
 * its thumbprint and expiry only.
 */
export function CertificateField({
  errors,
  saved,
}: {
  errors?: string[];
  /** On EDIT, the saved certificate when a blank field may keep it. */
  saved?: { thumbprint: string; expiresAt?: string };
}) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const invalid = Boolean(errors?.length);
  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.currentTarget.files?.[0];
    if (file && textarea.current) textarea.current.value = await file.text();
    // The text box holds it now: the input is emptied, so choosing the same file again reads it again.
    event.currentTarget.value = "";
  };
  const expires = saved?.expiresAt ? `, expires ${saved.expiresAt.slice(0, 10)}` : "";
  return (
    <div className="flex flex-col gap-1.5">
      <KeyTextArea
        id={ID}
        label="Certificate and private key"
        invalid={invalid}
        ref={textarea}
        name="certificate"
        rows={6}
        required={!saved}
        aria-describedby={[invalid ? `${ID}-error` : null, `${ID}-hint`].filter(Boolean).join(" ")}
        placeholder={
          saved
            ? `Certificate ${saved.thumbprint}${expires} is saved: leave blank to keep it (same tenant and client ID only)`
            : "-----BEGIN CERTIFICATE----- … -----BEGIN PRIVATE KEY----- …"
        }
      />
      <p id={`${ID}-hint`} className="text-xs text-slate-500">
        One PEM with the certificate and its unencrypted RSA private key (e.g. cat cert.pem key.pem). Upload
        the certificate alone (without the key) to the app registration: Certificates &amp; secrets &gt;
        Certificates &gt; Upload certificate. The key is stored encrypted and never shown again; only the
        certificate&apos;s thumbprint and expiry are.
      </p>
      <FieldError id={`${ID}-error`} errors={errors} />
      <label className="mt-1 text-sm text-slate-700">
        <span className="mr-2">Or choose the .pem file:</span>
        <input type="file" accept=".pem,.crt,.cer,.key,.txt" onChange={choose} className="text-sm" />
      </label>
    </div>
  );
}

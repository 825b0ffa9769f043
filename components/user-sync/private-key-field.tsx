"use client";

import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { FieldError, KeyTextArea } from "@/components/ui/field";
import type { ServiceAppKeyPair } from "./service-app-key-pair";

const ID = "field-privateKey";

/**
 * The service app's private key: pasted (a PEM or a JWK), or a pair generated in this browser,
 * whose private half the form posts unseen and whose public half the admin adds in Okta.
 * The generated pair is the form's state, not this field's: a failed save remounts the fields,
 * and the public key may already be in Okta by then.
 */
export function PrivateKeyField({
  generated,
  onGenerated,
  onDiscard,
  errors,
  savedKeyId,
  submitLabel,
}: {
  generated: ServiceAppKeyPair | null;
  onGenerated: (pair: ServiceAppKeyPair) => void;
  onDiscard: () => void;
  errors?: string[];
  /** On EDIT, the saved key's ID when a blank field may keep it. */
  savedKeyId?: string;
  /** CREATE or SAVE: what saves the key. */
  submitLabel: string;
}) {
  const [generating, setGenerating] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  // Where focus goes once the field has changed shape: the button pressed is gone by then.
  const focusNext = useRef<"note" | "textarea" | null>(null);
  const note = useRef<HTMLDivElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (focusNext.current === "note" && generated) note.current?.focus();
    if (focusNext.current === "textarea" && !generated) textarea.current?.focus();
    focusNext.current = null;
  }, [generated]);

  const generate = async () => {
    setGenerating(true);
    setFailure(null);
    try {
      // Loaded on demand: most admins paste a key, or use an API token.
      const { generateServiceAppKeyPair } = await import("./service-app-key-pair");
      const pair = await generateServiceAppKeyPair();
      focusNext.current = "note";
      onGenerated(pair);
    } catch {
      // Web Crypto exists on https (and localhost) pages only.
      setFailure(
        "This browser could not make a key pair here (it needs an https page). Make one with Okta's Generate new key, and paste its private key.",
      );
    } finally {
      setGenerating(false);
    }
  };
  const discard = () => {
    focusNext.current = "textarea";
    onDiscard();
  };

  const invalid = Boolean(errors?.length);
  if (generated) {
    return (
      <div className="flex flex-col gap-3">
        <input type="hidden" name="privateKey" value={generated.privateJwk} />
        <div
          ref={note}
          // Focused once the pair is made, so that a screen reader reads what happened.
          tabIndex={-1}
          className={cn(
            "flex flex-col gap-2 rounded-md border bg-slate-50 p-3 text-sm sm:flex-row sm:items-center sm:justify-between",
            invalid ? "border-red-500" : "border-slate-300",
          )}
        >
          <div>
            <p className="font-medium text-slate-800">Private key</p>
            <p className="text-slate-700">
              A new key pair was made in this browser (key ID{" "}
              <code className="font-mono text-xs break-all">{generated.kid}</code>); its private key leaves
              this browser only with Test connection or {submitLabel}, and is saved on {submitLabel}.
            </p>
          </div>
          <Button variant="secondary" onClick={discard} className="shrink-0">
            Paste a key instead
          </Button>
        </div>
        <FieldError id={`${ID}-error`} errors={errors} />
        <PublicKey publicJwk={generated.publicJwk} />
      </div>
    );
  }
  const describedBy = [invalid ? `${ID}-error` : null, `${ID}-hint`, failure ? `${ID}-failure` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="flex flex-col gap-1.5">
      <KeyTextArea
        id={ID}
        label="Private key"
        invalid={invalid}
        ref={textarea}
        name="privateKey"
        rows={5}
        required={!savedKeyId}
        aria-describedby={describedBy}
        placeholder={
          savedKeyId
            ? `A key with ID ${savedKeyId} is saved: leave blank to keep it (same Domain Name and Client ID only)`
            : "-----BEGIN PRIVATE KEY----- … or a JWK {…}"
        }
      />
      <p id={`${ID}-hint`} className="text-xs text-slate-500">
        Paste the private key of a key pair the app has in Okta, as a PEM or a JWK; or generate a pair here
        and add its public key in Okta. The key is stored encrypted and never shown again.
      </p>
      <FieldError id={`${ID}-error`} errors={errors} />
      <div className="mt-1 flex flex-wrap items-center gap-3">
        <Button variant="secondary" onClick={generate} disabled={generating}>
          {generating ? "Generating…" : "Generate key pair"}
        </Button>
        {failure && (
          <p id={`${ID}-failure`} role="alert" className="text-xs font-medium text-red-700">
            {failure}
          </p>
        )}
      </div>
    </div>
  );
}

/** The public half of a generated pair, to copy into Okta. */
function PublicKey({ publicJwk }: { publicJwk: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const block = useRef<HTMLPreElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(publicJwk);
      setCopied("Public key copied.");
    } catch {
      // No clipboard access (an http page, or refused): the key is selected for Ctrl+C instead.
      if (block.current) window.getSelection()?.selectAllChildren(block.current);
      setCopied("The browser did not allow copying: the key is selected, press Ctrl+C (⌘C on a Mac).");
    }
  };
  return (
    <div className="flex flex-col gap-1.5">
      <p className="text-sm font-medium text-slate-800">Public key: add it in Okta</p>
      <p className="text-xs text-slate-600">
        In Okta: Applications &gt; the API service app &gt; General &gt; Public keys &gt; Add key; paste this
        key, click Done, then Save.
      </p>
      <pre
        ref={block}
        className="rounded-md bg-slate-900 p-3 font-mono text-xs break-all whitespace-pre-wrap text-slate-50"
      >
        {publicJwk}
      </pre>
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="secondary" onClick={copy}>
          Copy public key
        </Button>
        <p role="status" className="text-xs text-slate-600">
          {copied}
        </p>
      </div>
    </div>
  );
}

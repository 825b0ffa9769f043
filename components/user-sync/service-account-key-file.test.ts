import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileText } from "@/test-support/hostile";
import { MAX_KEY_FILE_CHARS, readKeyFile, serviceAccountEmail } from "./service-account-key-file";

const KEY = {
  type: "service_account",
  project_id: "acme-sync",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----\n",
  client_email: "sync@acme-sync.iam.gserviceaccount.com",
};
const file = (text: string) => new Blob([text], { type: "application/json" });

describe("readKeyFile", () => {
  it("puts a service account's key file in the textarea as it is, trimmed", async () => {
    const text = JSON.stringify(KEY, null, 2);
    expect(await readKeyFile(file(`\n${text}\n\n`))).toEqual({ ok: true, text });
  });

  it.each([
    ["an OAuth client secret file", JSON.stringify({ installed: { client_id: "x", client_secret: "y" } })],
    ["a user's credentials", JSON.stringify({ ...KEY, type: "authorized_user" })],
    ["a key without its service account", JSON.stringify({ ...KEY, client_email: "" })],
    ["a JSON array", JSON.stringify([KEY])],
    ["JSON null", "null"],
    ["a key whose fields hide in __proto__", `{"__proto__": ${JSON.stringify(KEY)}}`],
    ["a PEM", KEY.private_key],
    ["an empty file", ""],
  ])("refuses %s, saying how to make a JSON key", async (_, text) => {
    const read = await readKeyFile(file(text));
    expect(read).toEqual({ ok: false, message: expect.stringContaining("Create new key > JSON") });
  });

  it("refuses a file larger than the server accepts, before or after reading it", async () => {
    const padded = JSON.stringify({ ...KEY, padding: "x".repeat(MAX_KEY_FILE_CHARS) });
    expect(await readKeyFile(file(padded))).toEqual({
      ok: false,
      message: expect.stringContaining("too large"),
    });
    const huge = new Blob([new Uint8Array(MAX_KEY_FILE_CHARS * 4 + 1)]);
    expect(await readKeyFile(huge)).toEqual({ ok: false, message: expect.stringContaining("too large") });
  });

  it("refuses hostile text without throwing", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(), async (text) => {
        expect((await readKeyFile(file(text))).ok).toBe(false);
      }),
    );
  });
});

describe("serviceAccountEmail", () => {
  it("names the key's service account, or null for anything else", () => {
    expect(serviceAccountEmail(JSON.stringify(KEY))).toBe(KEY.client_email);
    expect(serviceAccountEmail(JSON.stringify({ ...KEY, client_email: 42 }))).toBeNull();
    expect(serviceAccountEmail('{"type":"service_account"')).toBeNull();
    expect(serviceAccountEmail('"service_account"')).toBeNull();
  });
});

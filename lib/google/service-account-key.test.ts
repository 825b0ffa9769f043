import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseServiceAccountKey } from "./service-account-key";

const rsa = (modulusLength: number) =>
  generateKeyPairSync("rsa", { modulusLength })
    .privateKey.export({ format: "pem", type: "pkcs8" })
    .toString();
const PEM = rsa(2048);

const file = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: "service_account",
    project_id: "acme-sync",
    private_key_id: "0123456789abcdef0123456789abcdef01234567",
    private_key: PEM,
    client_email: "sync@acme-sync.iam.gserviceaccount.com",
    client_id: "112233445566778899001",
    token_uri: "https://evil.example/token",
    ...over,
  });

describe("parseServiceAccountKey", () => {
  it("keeps what signing needs, and shows only whose key it is and which", () => {
    const parsed = parseServiceAccountKey(`\n  ${file()}  \n`);
    expect(parsed).toEqual({
      ok: true,
      key: {
        clientEmail: "sync@acme-sync.iam.gserviceaccount.com",
        clientId: "112233445566778899001",
        privateKeyId: "0123456789abcdef0123456789abcdef01234567",
        privateKey: PEM,
      },
      shown: {
        clientEmail: "sync@acme-sync.iam.gserviceaccount.com",
        clientId: "112233445566778899001",
        privateKeyId: "0123456789abcdef0123456789abcdef01234567",
      },
    });
    // The file's token_uri is never kept: the client talks to Google's token endpoint only.
    expect(JSON.stringify(parsed)).not.toContain("evil.example");
  });

  it.each([
    ["", /^Paste the service account's JSON key file\.$/],
    [PEM, /not only its private key/],
    ["{not json", /^This is not JSON/],
    [
      JSON.stringify({ type: "authorized_user", client_id: "1", client_secret: "s", refresh_token: "r" }),
      /not a service account key file/,
    ],
    [file({ type: "external_account" }), /not a service account's/],
    [file({ client_email: "someone@gmail.com" }), /client_email is not a service account's address/],
    [file({ client_id: "abc" }), /client_id is not/],
    [file({ private_key_id: "../../etc" }), /private_key_id is not a Google key ID/],
    [
      file({ private_key: "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----" }),
      /not a PKCS#8/,
    ],
    [file({ private_key: `${PEM.slice(0, 200)}tampered${PEM.slice(220)}` }), /cannot be read/],
    [file({ private_key: rsa(1024) }), /2048 bits or more/],
    [
      file({
        private_key: generateKeyPairSync("ec", { namedCurve: "prime256v1" })
          .privateKey.export({ format: "pem", type: "pkcs8" })
          .toString(),
      }),
      /not an RSA key/,
    ],
  ])("refuses %#, without repeating the paste", (text, message) => {
    const parsed = parseServiceAccountKey(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toMatch(message);
    const body = PEM.replace(/-----[^-]+-----|\s/g, "");
    expect(parsed.message).not.toContain(body.slice(0, 40));
    expect(parsed.message.length).toBeLessThan(200);
  });
});

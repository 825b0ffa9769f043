import { readFileSync } from "node:fs";

/**
 * Test certificates for Entra's certificate credentials (`testdata/`, made with `openssl req -x509
 * -newkey rsa:2048 -noenc`, test use only): each PEM holds a certificate and its private key.
 */
const testdata = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), "utf8");

/** Valid for 100 years from 2026. */
export const TEST_CERTIFICATE = testdata("app.pem");
/** Another pair, registered on no app. */
export const OTHER_CERTIFICATE = testdata("other.pem");
/** Valid in 2020 only. */
export const EXPIRED_CERTIFICATE = testdata("expired.pem");

/** One PEM block of a PEM ("CERTIFICATE", "PRIVATE KEY"): the certificate alone is what an app registration holds. */
export const pemBlock = (pem: string, label: string) =>
  new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----\\n?`).exec(pem)?.[0] ?? "";

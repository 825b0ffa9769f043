/** The most a key file may hold: what the server accepts (`googleSyncInput`); a real one is ~2.3 KB. */
export const MAX_KEY_FILE_CHARS = 20_000;

/**
 * A service account's JSON key file as chosen in the browser, for the textarea: its text, or why
 * it is not one. Only what the server will refuse anyway is caught here, before it is posted.
 */
export async function readKeyFile(
  file: Blob,
): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  // Checked before reading: a wrong file could be large.
  if (file.size > MAX_KEY_FILE_CHARS * 4) return { ok: false, message: TOO_LARGE };
  const text = (await file.text()).trim();
  if (text.length > MAX_KEY_FILE_CHARS) return { ok: false, message: TOO_LARGE };
  const email = serviceAccountEmail(text);
  if (!email) {
    return {
      ok: false,
      message:
        "This file is not a service account's JSON key: in the Google Cloud console, open the service account > Keys > Add key > Create new key > JSON.",
    };
  }
  return { ok: true, text };
}

const TOO_LARGE = "This file is too large for a service account key (a JSON key file is about 2 KB).";

/** The service account a key file is for (its client_email), or null when the text is not such a key. */
export function serviceAccountEmail(text: string): string | null {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof key !== "object" || key === null) return null;
  const { type, client_email: email } = key as { type?: unknown; client_email?: unknown };
  return type === "service_account" && typeof email === "string" && email ? email : null;
}

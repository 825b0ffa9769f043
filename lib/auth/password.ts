import { hash, verify } from "@node-rs/argon2";

// Argon2id with the library's defaults (OWASP's recommended parameters).
export const hashPassword = (password: string) => hash(password);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

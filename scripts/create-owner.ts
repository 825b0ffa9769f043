// `npm run owner:create -- --email alice@example.com --org "Example Corp" [--name "Alice Example"]`:
// a new organization and its Owner, the first account of a production install. The password is
// read from stdin (`… < file`, or piped from a secret store), never from the command line, which
// other users can read in `ps` and the shell keeps in its history. Without one (a terminal, or
// empty input) a strong password is generated and printed once.
import { randomBytes } from "node:crypto";
import { text } from "node:stream/consumers";
import { parseArgs } from "node:util";
import { createOwner } from "@/lib/auth/owner";
import { createDb, databaseUrl } from "@/lib/db";

const { values } = parseArgs({
  options: { email: { type: "string" }, org: { type: "string" }, name: { type: "string" } },
});
if (!values.email || !values.org) {
  console.error(
    'Usage: npm run owner:create -- --email <email> --org "<organization>" [--name "<name>"] < password-file',
  );
  process.exit(2);
}

const typed = process.stdin.isTTY ? "" : (await text(process.stdin)).replace(/\r?\n$/, "");
const password = typed || randomBytes(18).toString("base64url");

const db = createDb(databaseUrl());
const created = await createOwner(db, {
  email: values.email,
  name: values.name,
  organization: values.org,
  password,
});
await db.$disconnect();
if (!created.ok) {
  console.error(created.message);
  process.exit(1);
}
console.log(`Created organization "${values.org.trim()}" with its Owner ${created.email}.`);
if (!typed) console.log(`Password (shown only now): ${password}`);

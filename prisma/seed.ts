import { createDb, databaseUrl } from "@/lib/db";
import { SEED_MEMBERS, seedDemo, seedPassword } from "@/lib/seed";

const db = createDb(databaseUrl());
await seedDemo(db);
await db.$disconnect();
console.log(`Seeded organization "Acme": ${SEED_MEMBERS.map((m) => `${m.email} (${m.role})`).join(", ")}`);
if (!process.env.SEED_PASSWORD)
  console.log(`Password: ${seedPassword()} (set SEED_PASSWORD to choose another)`);

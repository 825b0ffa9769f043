import path from "node:path";
import { defineConfig } from "prisma/config";

// No native schema engine can be downloaded here: the CLI talks to Prisma's Wasm engine
// through our shim instead (scripts/prisma/README.md).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(
  import.meta.dirname,
  "scripts/prisma/schema-engine-shim.mjs",
);

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "pglite:./.data/pglite" },
});

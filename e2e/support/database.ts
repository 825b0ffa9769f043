import pg from "pg";
import { applyMigrations } from "@/lib/db/migrate";

/** A fresh, migrated PostgreSQL database `<database of baseUrl>_<suffix>` (dropped first if it exists). */
export async function freshPostgres(baseUrl: string, suffix: string): Promise<string> {
  const url = new URL(baseUrl);
  const name = `${url.pathname.slice(1) || "postgres"}_${suffix}`;
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(baseUrl), { pathname: "/postgres" }).toString(),
  });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await applyMigrations({
    query: async <T>(sql: string, params?: unknown[]) => ({
      rows: (await client.query(sql, params)).rows as T[],
    }),
    exec: (sql) => client.query(sql),
  });
  await client.end();
  return url.toString();
}

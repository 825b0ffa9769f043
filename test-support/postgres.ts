import { randomBytes } from "node:crypto";
import pg from "pg";
import { applyMigrations } from "@/lib/db/migrate";

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function onServer<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";

/** Applies every migration to the database at `url`. */
export async function migrateDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await applyMigrations({
      query: async <T>(sql: string, params?: unknown[]) => ({
        rows: (await client.query(sql, params)).rows as T[],
      }),
      exec: (sql) => client.query(sql),
    });
  } finally {
    await client.end();
  }
}

/** Creates `<db>_tmpl_<random>` with every migration applied and returns its URL. */
export async function prepareTemplateDatabase(url: string): Promise<string> {
  const name = `${databaseName(url)}_tmpl_${randomBytes(4).toString("hex")}`;
  await onServer(url, (c) => c.query(`CREATE DATABASE "${name}"`));
  const templateUrl = withDatabase(url, name);
  await migrateDatabase(templateUrl);
  return templateUrl;
}

/** A fresh, migrated database `<database of baseUrl>_<suffix>` (dropped first if it exists). */
export async function freshPostgres(baseUrl: string, suffix: string): Promise<string> {
  const name = `${databaseName(baseUrl)}_${suffix}`;
  await onServer(baseUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const url = withDatabase(baseUrl, name);
  await migrateDatabase(url);
  return url;
}

/** A fresh database cloned from the template: every test file gets its own. */
export async function cloneDatabase(templateUrl: string): Promise<string> {
  const name = `${databaseName(templateUrl).replace(/_tmpl_.*/, "")}_t_${randomBytes(5).toString("hex")}`;
  await onServer(templateUrl, (c) =>
    c.query(`CREATE DATABASE "${name}" TEMPLATE "${databaseName(templateUrl)}"`),
  );
  return withDatabase(templateUrl, name);
}

export async function dropDatabase(url: string): Promise<void> {
  await onServer(url, (c) => c.query(`DROP DATABASE IF EXISTS "${databaseName(url)}" WITH (FORCE)`));
}

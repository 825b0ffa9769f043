import type { TestProject } from "vitest/node";
import { dropDatabase, prepareTemplateDatabase } from "./postgres";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabaseUrl: string | null;
  }
}

/** With DATABASE_URL (PostgreSQL): migrate one template database; each test file clones it. */
export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    project.provide("templateDatabaseUrl", null);
    return;
  }
  const template = await prepareTemplateDatabase(url);
  project.provide("templateDatabaseUrl", template);
  return async () => dropDatabase(template);
}

import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Run } from "./types";

/**
 * Runs on disk, one JSON file each, replaced atomically (write, then rename over the old file),
 * so a runner killed at any moment leaves every run as of its last save. Writes are synchronous:
 * under a millisecond for a run of a few hundred steps, and a save is done when it returns.
 */
export class RunStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, "runs");
  }

  load(): Run[] {
    mkdirSync(this.dir, { recursive: true });
    return readdirSync(this.dir)
      .filter((name) => name.endsWith(".json"))
      .map((name) => JSON.parse(readFileSync(path.join(this.dir, name), "utf8")) as Run);
  }

  save(run: Run): void {
    const file = path.join(this.dir, `${run.id}.json`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(run));
    renameSync(tmp, file);
  }
}

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./check-env-docs";

/*
 * docs/images holds what the end-to-end story pictures (`npm run screenshots`), and nothing else:
 * a page the story pictures anew, or stops picturing, shows here until the pictures are made again.
 */
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const pictured = [...read("e2e/user-sync-story.spec.ts").matchAll(/snap\(page, "([^"]+)"\)/g)].map(
  ([, name]) => `${name}.png`,
);
const images = readdirSync(path.join(ROOT, "docs/images")).filter((file) => file.endsWith(".png"));

describe("docs/images", () => {
  it("holds a picture of each page the story pictures, and only those", () => {
    expect(pictured.length).toBeGreaterThan(10);
    expect(images.sort()).toEqual([...pictured].sort());
  });

  it("shows each picture in the README or the admin guide", () => {
    const docs = read("README.md") + read("docs/admin-guide.md");
    expect(images.filter((image) => !docs.includes(`images/${image}`))).toEqual([]);
  });
});

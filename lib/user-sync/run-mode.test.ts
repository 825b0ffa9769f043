import { describe, expect, it } from "vitest";
import { readsChangeLog } from "@/lib/sync/changes";
import { runReading, runReadingLabel } from "./run-mode";

const started = new Date("2026-12-01T09:00:00Z");

describe("how a run read its directory", () => {
  it("names each mode and fallback as the run's page and SYNC HISTORY show it", () => {
    const label = (mode: "FULL" | "INCREMENTAL", fallback: string | null) =>
      runReadingLabel({ mode, fallback, startedAt: started }, "OKTA");
    expect(label("INCREMENTAL", null)).toBe("Delta (System Log)");
    expect(label("INCREMENTAL", "Okta did not let this API token read the System Log.")).toBe(
      "Incremental (re-listing)",
    );
    expect(label("FULL", null)).toBe("Full");
    expect(label("FULL", "The System Log was last read more than 90 days ago.")).toBe("Full");
  });

  it("names where each directory's delta runs read what changed", () => {
    const delta = { mode: "INCREMENTAL", fallback: null, startedAt: started } as const;
    expect(runReadingLabel(delta, "ENTRA_ID")).toBe("Delta (Graph delta query)");
    expect(runReadingLabel({ ...delta, mode: "FULL" }, "ENTRA_ID")).toBe("Full");
  });

  it("says nothing of a run that has not started: its first step decides its mode", () => {
    expect(runReadingLabel({ mode: "FULL", fallback: null, startedAt: null }, "OKTA")).toBeNull();
  });

  it("calls a run a delta exactly when the engine read its change log or feed for it", () => {
    for (const mode of ["FULL", "INCREMENTAL"] as const)
      for (const fallback of [null, "", "a reason"])
        expect(runReading({ mode, fallback }) === "delta", `${mode} ${fallback}`).toBe(
          readsChangeLog({ mode, fallback }),
        );
  });
});

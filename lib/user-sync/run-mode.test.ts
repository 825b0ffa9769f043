import { describe, expect, it } from "vitest";
import { readsChangeLog } from "@/lib/sync/changes";
import { oktaReading, oktaReadingLabel } from "./run-mode";

const started = new Date("2026-12-01T09:00:00Z");

describe("how a run read Okta", () => {
  it("names each mode and fallback as the run's page and SYNC HISTORY show it", () => {
    const label = (mode: "FULL" | "INCREMENTAL", fallback: string | null) =>
      oktaReadingLabel({ mode, fallback, startedAt: started });
    expect(label("INCREMENTAL", null)).toBe("Delta (System Log)");
    expect(label("INCREMENTAL", "Okta did not let this API token read the System Log.")).toBe(
      "Incremental (re-listing)",
    );
    expect(label("FULL", null)).toBe("Full");
    expect(label("FULL", "The System Log was last read more than 90 days ago.")).toBe("Full");
  });

  it("says nothing of a run that has not started: its first step decides its mode", () => {
    expect(oktaReadingLabel({ mode: "FULL", fallback: null, startedAt: null })).toBeNull();
  });

  it("calls a run a delta exactly when the engine read the System Log for it", () => {
    for (const mode of ["FULL", "INCREMENTAL"] as const)
      for (const fallback of [null, "", "a reason"])
        expect(oktaReading({ mode, fallback }) === "delta", `${mode} ${fallback}`).toBe(
          readsChangeLog({ mode, fallback }),
        );
  });
});

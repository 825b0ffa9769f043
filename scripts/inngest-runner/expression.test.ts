import { describe, expect, it } from "vitest";
import { evaluateExpression, matchesExpression, parseExpression } from "./expression";

const scope = {
  event: { data: { syncRunId: "r1", count: 3, nested: { ok: true } } },
  async: { data: { syncRunId: "r1", decision: "approve" } },
};

describe("expressions (Inngest's CEL subset)", () => {
  it.each([
    ["async.data.syncRunId == event.data.syncRunId", true],
    ["async.data.syncRunId != event.data.syncRunId", false],
    ["async.data.decision == 'approve' && event.data.count > 2", true],
    ['async.data["decision"] == "reject" || !(event.data.count <= 3)', false],
    ["event.data.nested.ok == true && event.data.missing == null", true],
    ["event.data.count >= 3 && event.data.count < 4", true],
  ])("%s → %s", (source, expected) => {
    expect(evaluateExpression(source, scope)).toBe(expected);
  });

  it("gives a path's value, for concurrency keys", () => {
    expect(evaluateExpression("event.data.syncRunId", scope)).toBe("r1");
  });

  it("rejects what it does not understand instead of guessing", () => {
    expect(() => parseExpression("event.data.name.startsWith('a')")).toThrow(/Unsupported expression/);
    expect(() => parseExpression("event.data.a == ")).toThrow(/Unsupported expression/);
    expect(() => parseExpression("a = b")).toThrow(/Unsupported expression/);
  });

  // Inngest's rules for a field the data lacks (pkg/expressions/unknown.go): it is "unknown", equal
  // only to null, unequal to anything else (another missing field too), less than anything.
  it.each([
    ["event.data.missing == null", true],
    ["event.data.missing != null", false],
    ["event.data.missing == event.data.other", false],
    ["event.data.missing != event.data.other", true],
    ["event.data.missing == 'r1'", false],
    ["event.data.missing < 5", true],
    ["event.data.missing >= 5", false],
    ["5 > event.data.missing", true],
    ["!event.data.missing", false],
    ["event.data.missing || event.data.count == 3", true],
  ])("missing fields: %s → %s", (source, expected) => {
    expect(matchesExpression(source, scope)).toBe(expected);
  });

  it("matches only on a boolean true, as Inngest's boolean evaluator", () => {
    expect(matchesExpression("event.data.count", scope)).toBe(false);
    expect(matchesExpression("event.data.nested.ok", scope)).toBe(true);
    expect(matchesExpression("event.data.missing", scope)).toBe(false);
  });

  it("reads a wait's missing `event` fields as null, as Inngest interpolates the run's event into it", () => {
    const empty = { event: { data: {} }, async: { data: {} } };
    expect(matchesExpression("async.data.id == event.data.id", empty)).toBe(false);
    expect(matchesExpression("async.data.id == event.data.id", empty, { interpolated: "event" })).toBe(true);
    expect(
      matchesExpression(
        "async.data.id == event.data.id",
        { ...empty, async: { data: { id: "x" } } },
        {
          interpolated: "event",
        },
      ),
    ).toBe(false);
  });
});

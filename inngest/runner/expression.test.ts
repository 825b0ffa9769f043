import { describe, expect, it } from "vitest";
import { evaluateExpression, parseExpression } from "./expression";

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
});

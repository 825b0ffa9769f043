import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

/** Prints the plain closing line CI reads: `e2e: N passed, N failed`. */
export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;

  onTestEnd(test: TestCase, result: TestResult) {
    if (result.retry < test.retries && result.status !== "passed") return;
    if (result.status === "passed") this.passed++;
    else if (result.status !== "skipped") this.failed++;
  }

  onEnd(result: FullResult) {
    if (result.status !== "passed" && this.failed === 0) this.failed = 1;
    console.log(`\ne2e: ${this.passed} passed, ${this.failed} failed`);
  }
}

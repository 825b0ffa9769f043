import type { App } from "./registry";
import type { Run } from "./types";

const html = (value: unknown) => String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const time = (ms?: number) => (ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "");
const json = (value: unknown) => html(JSON.stringify(value, null, 2));

/** The runner's page: synced functions, runs, and one run's event and steps with replay and cancel. */
export function renderDashboard(apps: App[], runs: Run[], selectedId: string | null): string {
  const selected = runs.find((run) => run.id === selectedId);
  return `<!doctype html><html><head><meta charset="utf-8"><title>Inngest local runner</title>
${selected ? "" : '<meta http-equiv="refresh" content="3">'}
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}pre{background:#f6f6f6;padding:.5rem;max-height:20rem;overflow:auto}.note{color:#555}</style>
</head><body><h1>Inngest local runner</h1>
<p class="note">A local stand-in for Inngest's executor, for development and tests only; not a production engine.</p>
<h2>Apps</h2><table><tr><th>App</th><th>URL</th><th>Functions</th></tr>
${apps.map((app) => `<tr><td>${html(app.appName)}</td><td>${html(app.url)}</td><td>${html(app.functions.map((fn) => fn.id).join(", "))}</td></tr>`).join("")}
</table>
${selected ? renderRun(selected) : ""}
<h2>Runs</h2><table><tr><th>Run</th><th>Function</th><th>Event</th><th>Status</th><th>Steps</th><th>Requests</th><th>Created</th><th>Ended</th></tr>
${runs
  .slice(0, 200)
  .map(
    (run) =>
      `<tr><td><a href="/?run=${html(run.id)}">${html(run.id)}</a>${run.replayOf ? " (replay)" : ""}</td><td>${html(run.functionId)}</td><td>${html(run.event.name)}</td><td>${html(run.status)}</td><td>${Object.keys(run.history).length}</td><td>${run.appRequests}</td><td>${time(run.createdAt)}</td><td>${time(run.endedAt)}</td></tr>`,
  )
  .join("")}
</table></body></html>`;
}

function renderRun(run: Run): string {
  const action = (name: string, label: string) =>
    `<form method="post" action="/runs/${html(run.id)}/${name}" style="display:inline"><button>${label}</button></form>`;
  return `<h2>Run ${html(run.id)} — ${html(run.status)}</h2>
<p>${action("replay", "Replay")} ${run.status === "Running" || run.status === "Queued" ? action("cancel", "Cancel") : ""} <a href="/runs/${html(run.id)}">JSON</a> · <a href="/">back</a></p>
<table><tr><th>Step</th><th>Op</th><th>Status</th><th>Attempts</th><th>Started</th><th>Ended</th></tr>
${Object.values(run.history)
  .map(
    (step) =>
      `<tr><td>${html(step.name)}</td><td>${html(step.op)}</td><td>${html(step.status)}</td><td>${step.attempts}</td><td>${time(step.startedAt)}</td><td>${time(step.endedAt)}</td></tr>`,
  )
  .join("")}
</table>
<h3>Event</h3><pre>${json(run.event)}</pre>
${run.status === "Failed" || run.status === "Cancelled" ? `<h3>Error</h3><pre>${json(run.error)}</pre>` : ""}
${run.status === "Completed" ? `<h3>Output</h3><pre>${json(run.output)}</pre>` : ""}`;
}

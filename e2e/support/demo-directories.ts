/**
 * Calls a fake directory's admin API (`POST <url>/__admin/<command>`, the arguments as a JSON
 * array), as its admin would change it between syncs; the fake Entra ID and Google share it.
 */
export async function changeDirectory(url: string, command: string, ...args: unknown[]): Promise<unknown> {
  const response = await fetch(`${url}/__admin/${command}`, { method: "POST", body: JSON.stringify(args) });
  if (!response.ok) throw new Error(`${url} ${command}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { result: unknown }).result;
}

/** A fake directory's counts (`GET <url>/__admin/state`): users, groups, memberships, tokens issued. */
export async function directoryState(url: string): Promise<{ users: number; groups: number }> {
  const response = await fetch(`${url}/__admin/state`);
  if (!response.ok) throw new Error(`${url} state: ${response.status}`);
  return (await response.json()) as { users: number; groups: number };
}

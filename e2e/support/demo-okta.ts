import type { DirectoryJson } from "@/scripts/fake-okta";

/** The Okta org the end-to-end story syncs: small, with fixed ids so specs can change it. */
// Chosen free by playwright.config.ts.
export const DEMO_OKTA_PORT = Number(process.env.E2E_OKTA_PORT);
export const DEMO_OKTA_URL = `http://127.0.0.1:${DEMO_OKTA_PORT}`;
export const DEMO_OKTA_TOKEN = "00e2eDemoOktaToken0123456789abcdEFGH";

const person = (id: string, login: string, firstName: string, lastName: string, status = "ACTIVE") => ({
  id,
  status,
  profile: { login, email: `${login}@okta-acme.test`, firstName, lastName, department: "Operations" },
});

export const DEMO_OKTA: DirectoryJson = {
  users: [
    person("00ualice0000000000001", "alice", "Alice", "Anders"),
    person("00ubruno0000000000002", "bruno", "Bruno", "Bianchi"),
    person("00uchen00000000000003", "chen", "Chen", "Wei"),
    person("00udana00000000000004", "dana", "Dana", "Díaz", "STAGED"),
    person("00ueve000000000000005", "eve", "Eve", "Evans"),
  ],
  groups: [
    {
      id: "00gengineers00000001",
      name: "Okta Engineers",
      description: "Builds things",
      members: ["alice", "bruno"],
    },
    {
      id: "00gsales00000000000002",
      name: "Okta Sales",
      description: "Sells things",
      members: ["chen", "dana"],
    },
  ],
};

/** Calls the fake Okta's admin API, as an Okta admin would change the org between syncs. */
export async function changeOkta(command: string, ...args: unknown[]): Promise<void> {
  const response = await fetch(`${DEMO_OKTA_URL}/__admin/${command}`, {
    method: "POST",
    body: JSON.stringify(args),
  });
  if (!response.ok) throw new Error(`fake Okta ${command}: ${response.status} ${await response.text()}`);
}

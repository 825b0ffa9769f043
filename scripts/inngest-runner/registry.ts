import { headerKeys } from "inngest";
import { signatureHeaders } from "./signing";

/** A function as `serve()` describes it when syncing (InngestFunction.getConfig in the SDK). */
export interface FunctionConfig {
  id: string;
  name?: string;
  triggers: Array<{ event: string; expression?: string } | { cron: string }>;
  steps: Record<string, { runtime: { url: string }; retries?: { attempts?: number } }>;
  concurrency?: ConcurrencyOption | ConcurrencyOption[] | number;
  cancel?: Array<{ event: string; if?: string; timeout?: string }>;
  [option: string]: unknown;
}
type ConcurrencyOption = { limit: number; key?: string; scope?: "fn" | "env" | "account" };

export interface App {
  appName: string;
  url: string;
  functions: FunctionConfig[];
}

/** Options the runner reads; others are accepted and reported as ignored. */
const HANDLED = new Set(["id", "name", "triggers", "steps", "concurrency", "cancel"]);

/**
 * The functions of the apps synced with the runner. Apps sync out-of-band (their PUT posts to
 * `/fn/register`) or in-band (the runner PUTs to a configured app URL and reads the answer); a
 * later sync of the same app replaces its functions, so an app restarted elsewhere is found again.
 */
export class Registry {
  private readonly apps = new Map<string, App>();
  private readonly listeners: Array<() => void> = [];
  private readonly warned = new Set<string>();

  constructor(
    private readonly log: (message: string) => void,
    /** Signs in-band syncs, as Inngest Cloud does, when set. */
    private readonly signingKey?: string,
  ) {}

  onChange(listener: () => void) {
    this.listeners.push(listener);
  }

  functions(): FunctionConfig[] {
    return [...this.apps.values()].flatMap((app) => app.functions);
  }

  function(id: string): FunctionConfig | undefined {
    return this.functions().find((fn) => fn.id === id);
  }

  listApps(): App[] {
    return [...this.apps.values()];
  }

  /** Records an app's functions; returns whether anything changed. */
  register(appName: string, url: string, functions: FunctionConfig[]): boolean {
    const before = JSON.stringify(this.apps.get(appName) ?? null);
    this.apps.set(appName, { appName, url, functions });
    if (before === JSON.stringify(this.apps.get(appName))) return false;
    for (const fn of functions) {
      for (const option of Object.keys(fn)) {
        if (HANDLED.has(option) || fn[option] === undefined || this.warned.has(`${fn.id}:${option}`))
          continue;
        this.warned.add(`${fn.id}:${option}`);
        this.log(`function ${fn.id}: option "${option}" is not supported by the local runner and is ignored`);
      }
    }
    this.log(`synced app ${appName} at ${url}: ${functions.map((fn) => fn.id).join(", ") || "no functions"}`);
    for (const listener of this.listeners) listener();
    return true;
  }

  /** In-band sync: asks the app at `appUrl` for its functions. Throws when it cannot be reached. */
  async syncInBand(appUrl: string): Promise<void> {
    const request = JSON.stringify({ url: appUrl });
    const res = await fetch(appUrl, {
      method: "PUT",
      headers: {
        "content-type": "application/json",
        [headerKeys.InngestSyncKind]: "in_band",
        ...signatureHeaders(request, this.signingKey),
      },
      body: request,
    });
    const text = await res.text();
    let body: { app_id?: string; url?: string; functions?: FunctionConfig[] } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // Not a serve() endpoint (e.g. a 404 page): reported below.
    }
    if (!res.ok || !body.app_id || !Array.isArray(body.functions)) {
      throw new Error(`in-band sync with ${appUrl} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    this.register(body.app_id, body.url ?? appUrl, body.functions);
  }
}

import { randomUUID } from "node:crypto";
import type { SyncRunItemKind } from "@/lib/db";
import type { Changes } from "./attributes";
import { type Columns, insertRows, storableText, type Tx } from "./sql";

/** A per-user change or error of a run, for its detail page. */
export interface RunItem {
  kind: SyncRunItemKind;
  externalId: string | null;
  /** The user's unique-field value, when it has one. */
  userKey: string | null;
  reason?: string;
  changes?: Changes;
}

type ItemRow = Required<{ [K in keyof RunItem]: RunItem[K] | null }> & {
  id: string;
  syncRunId: string;
  createdAt: Date;
};

const ITEM_COLUMNS: Columns<ItemRow> = {
  id: "text",
  syncRunId: "text",
  kind: '"SyncRunItemKind"',
  externalId: "text",
  userKey: "text",
  reason: "text",
  changes: "jsonb",
  createdAt: "timestamp(3)",
};

export async function recordItems(
  tx: Tx,
  syncRunId: string,
  items: RunItem[],
  createdAt: Date,
): Promise<void> {
  await insertRows(
    tx,
    "SyncRunItem",
    ITEM_COLUMNS,
    items.map((item) => ({
      id: randomUUID(),
      syncRunId,
      createdAt,
      ...item,
      // A refused user's value may hold what the database cannot (the NUL that refused it).
      userKey: item.userKey === null ? null : storableText(item.userKey),
      reason: item.reason ?? null,
      changes: item.changes ?? null,
    })),
  );
}

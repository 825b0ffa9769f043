"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useRef } from "react";
import { toast } from "sonner";
import {
  cancelRunAction,
  decideRunAction,
  deleteUserSyncAction,
  startSyncAction,
} from "@/app/(dashboard)/user-management/user-sync/actions";
import { Button } from "@/components/ui/button";
import type { ActionState } from "@/lib/auth/guard";

/** Shows each answer of a server action once, as a toast. */
function useToast(state: ActionState) {
  useEffect(() => {
    if (!state.message) return;
    if (state.ok) toast.success(state.message);
    else toast.error(state.message);
  }, [state]);
}

/** The buttons that start a run, what each posts, and what it does with `directory` (its name). */
const START_RUN = {
  sync: {
    label: "SYNC DATA",
    variant: "primary",
    field: null,
    description: (directory: string) =>
      directory === "Okta"
        ? "Reads what changed in Okta since the last sync, or lists everything when Okta's System Log cannot tell."
        : `Reads every user and group in ${directory}: what changed and what was deleted.`,
  },
  full: {
    label: "Full resync",
    variant: "secondary",
    field: "full",
    description: (directory: string) => `Lists every user and group in ${directory}, not only what changed.`,
  },
  preview: {
    label: "Preview",
    variant: "secondary",
    field: "preview",
    description: (directory: string) =>
      `Reads every user and group in ${directory} and shows what SYNC DATA would create, update, remove and refuse, changing nothing.`,
  },
  apply: {
    label: "Apply",
    variant: "primary",
    field: null,
    description: (directory: string) =>
      `Runs SYNC DATA now. ${directory} is read again, so changes made there since the preview are included.`,
  },
} as const;

/**
 * Starts a run: `SYNC DATA` (what changed since the last run, when Okta's System Log can tell),
 * `Full resync` (every user and group), `Preview` (what SYNC DATA would do, applied nowhere), or
 * `Apply` on a preview's page (SYNC DATA, then back to the sync's page to follow it). One run at
 * a time: they are disabled while one is active.
 */
function StartRunButton({
  userSyncId,
  disabled,
  directory = "Okta",
  kind,
}: StartRunProps & { kind: keyof typeof START_RUN }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(startSyncAction, { ok: false });
  useToast(state);
  const router = useRouter();
  useEffect(() => {
    if (kind === "apply" && state.ok) router.push(`/user-management/user-sync/${userSyncId}`);
  }, [kind, state, router, userSyncId]);
  const { label, variant, field, description } = START_RUN[kind];
  const descriptionId = `start-run-${kind}-description`;
  return (
    <form action={action}>
      <input type="hidden" name="userSyncId" value={userSyncId} />
      {field && <input type="hidden" name={field} value="true" />}
      <Button type="submit" variant={variant} disabled={pending || disabled} aria-describedby={descriptionId}>
        {pending ? "Starting…" : label}
      </Button>
      <span id={descriptionId} className="sr-only">
        {description(directory)}
      </span>
    </form>
  );
}

/** `directory`: the sync's directory by name (`DIRECTORY_NAME`), Okta by default. */
type StartRunProps = { userSyncId: string; disabled?: boolean; directory?: string };

export const SyncDataButton = (props: StartRunProps) => <StartRunButton {...props} kind="sync" />;

export const FullResyncButton = (props: StartRunProps) => <StartRunButton {...props} kind="full" />;

export const PreviewButton = (props: StartRunProps) => <StartRunButton {...props} kind="preview" />;

export const ApplyPreviewButton = (props: StartRunProps) => <StartRunButton {...props} kind="apply" />;

export function CancelRunButton({ syncRunId }: { syncRunId: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(cancelRunAction, { ok: false });
  useToast(state);
  return (
    <form action={action}>
      <input type="hidden" name="syncRunId" value={syncRunId} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Cancelling…" : "Cancel sync"}
      </Button>
    </form>
  );
}

export function SafeguardDecision({ syncRunId }: { syncRunId: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(decideRunAction, { ok: false });
  useToast(state);
  return (
    <form action={action} className="flex gap-2">
      <input type="hidden" name="syncRunId" value={syncRunId} />
      <Button type="submit" name="decision" value="approve" variant="danger" disabled={pending}>
        Approve removals
      </Button>
      <Button type="submit" name="decision" value="reject" variant="secondary" disabled={pending}>
        Reject
      </Button>
    </form>
  );
}

/** Delete with a confirmation dialog (native <dialog>: focus is trapped and Escape closes it). */
export function DeleteUserSyncButton({ userSyncId, name }: { userSyncId: string; name: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [state, action, pending] = useActionState<ActionState, FormData>(deleteUserSyncAction, { ok: false });
  useToast(state);
  return (
    <>
      <Button variant="ghost" className="text-red-700" onClick={() => dialog.current?.showModal()}>
        Delete
      </Button>
      <dialog
        ref={dialog}
        aria-labelledby="delete-title"
        className="m-auto max-w-md rounded-lg p-6 shadow-xl backdrop:bg-slate-900/40"
      >
        <h2 id="delete-title" className="text-lg font-semibold">
          Delete {name}?
        </h2>
        <p className="mt-2 text-sm text-slate-600">
          The connection and its sync history are deleted. The users and groups it imported stay in the
          dashboard.
        </p>
        <form action={action} className="mt-6 flex justify-end gap-2">
          <input type="hidden" name="userSyncId" value={userSyncId} />
          <Button variant="secondary" onClick={() => dialog.current?.close()}>
            Keep it
          </Button>
          <Button type="submit" variant="danger" disabled={pending}>
            {pending ? "Deleting…" : "Delete user sync"}
          </Button>
        </form>
      </dialog>
    </>
  );
}

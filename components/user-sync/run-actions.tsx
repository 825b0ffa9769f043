"use client";

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

/**
 * Starts a run: `SYNC DATA` (what changed since the last run, when Okta's System Log can tell) or
 * `Full resync` (every user and group). One run at a time: both are disabled while one is active.
 */
function StartRunButton({
  userSyncId,
  disabled,
  full,
}: {
  userSyncId: string;
  disabled?: boolean;
  full: boolean;
}) {
  const [state, action, pending] = useActionState<ActionState, FormData>(startSyncAction, { ok: false });
  useToast(state);
  const description = `start-run-${full ? "full" : "delta"}-description`;
  return (
    <form action={action}>
      <input type="hidden" name="userSyncId" value={userSyncId} />
      {full && <input type="hidden" name="full" value="true" />}
      <Button
        type="submit"
        variant={full ? "secondary" : "primary"}
        disabled={pending || disabled}
        aria-describedby={description}
      >
        {pending ? "Starting…" : full ? "Full resync" : "SYNC DATA"}
      </Button>
      <span id={description} className="sr-only">
        {full
          ? "Lists every user and group in Okta, not only what changed."
          : "Reads what changed in Okta since the last sync, or lists everything when Okta's System Log cannot tell."}
      </span>
    </form>
  );
}

export const SyncDataButton = (props: { userSyncId: string; disabled?: boolean }) => (
  <StartRunButton {...props} full={false} />
);

export const FullResyncButton = (props: { userSyncId: string; disabled?: boolean }) => (
  <StartRunButton {...props} full />
);

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

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

export function SyncDataButton({ userSyncId, disabled }: { userSyncId: string; disabled?: boolean }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(startSyncAction, { ok: false });
  useToast(state);
  return (
    <form action={action}>
      <input type="hidden" name="userSyncId" value={userSyncId} />
      <Button type="submit" disabled={pending || disabled}>
        {pending ? "Starting…" : "SYNC DATA"}
      </Button>
    </form>
  );
}

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

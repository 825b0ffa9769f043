import { forbidden, redirect } from "next/navigation";
import type { z } from "zod";
import { getMemberContext, type MemberContext } from "./member";
import { can, type Permission } from "./permissions";

/** For pages: signed in (else the sign-in page) and permitted (else the 403 page). */
export async function requirePage(permission?: Permission): Promise<MemberContext> {
  const member = await getMemberContext();
  if (!member) redirect("/sign-in");
  if (permission && !can(member.role, permission)) forbidden();
  return member;
}

/** What a form's server action answers: a message, and errors keyed by field name. */
export interface ActionState {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string[]>;
  /** The submitted values, so a failed form keeps what was typed (secrets excluded). */
  values?: Record<string, string>;
}

export const REFUSED: ActionState = { ok: false, message: "You do not have permission to do that." };
export const SIGNED_OUT: ActionState = { ok: false, message: "Your session has ended. Sign in again." };

/**
 * Wraps every mutating server action: authenticates, loads the organization, checks the role,
 * and validates the form with zod, all before `run` is called. `secretFields` are never echoed back.
 */
export function orgAction<S extends z.ZodType>(
  permission: Permission,
  schema: S,
  run: (input: z.infer<S>, member: MemberContext) => Promise<ActionState>,
  options: { secretFields?: string[] } = {},
) {
  return async (_previous: ActionState | undefined, formData: FormData): Promise<ActionState> => {
    const member = await getMemberContext();
    if (!member) return SIGNED_OUT;
    if (!can(member.role, permission)) return REFUSED;
    const values: Record<string, string> = {};
    for (const [key, value] of formData) {
      if (typeof value === "string" && !key.startsWith("$") && !options.secretFields?.includes(key))
        values[key] = value;
    }
    const parsed = schema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) {
      const fieldErrors: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? "form");
        fieldErrors[field] = [...(fieldErrors[field] ?? []), issue.message];
      }
      return { ok: false, message: "Check the highlighted fields.", fieldErrors, values };
    }
    const result = await run(parsed.data, member);
    return result.ok ? result : { values, ...result };
  };
}

type RouteHandler<C> = (request: Request, member: MemberContext, context: C) => Promise<Response>;

/** Wraps route handlers the same way: 401 without a session, 403 without the permission. */
export function orgRoute<C>(permission: Permission, handler: RouteHandler<C>) {
  return async (request: Request, context: C): Promise<Response> => {
    const member = await getMemberContext();
    if (!member) return Response.json({ error: "Sign in first." }, { status: 401 });
    if (!can(member.role, permission)) return Response.json({ error: REFUSED.message }, { status: 403 });
    return handler(request, member, context);
  };
}

import type { ComponentProps } from "react";
import { cn } from "./cn";

/** A labelled input with its error message, wired for screen readers. */
export function TextField({
  label,
  name,
  errors,
  hint,
  className,
  ...props
}: ComponentProps<"input"> & { label: string; name: string; errors?: string[]; hint?: string }) {
  const id = props.id ?? `field-${name}`;
  const describedBy = [errors?.length ? `${id}-error` : null, hint ? `${id}-hint` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className={cn("flex flex-col gap-1.5", className)}>
      <FieldLabel htmlFor={id} label={label} required={props.required} />
      <input
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy || undefined}
        className={cn(
          "rounded-md border bg-white px-3 py-2 text-sm shadow-xs placeholder:text-slate-500",
          errors?.length ? "border-red-500" : "border-slate-300",
        )}
        {...props}
      />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} errors={errors} />
    </div>
  );
}

/** A field's label; a required field's is marked with an asterisk that screen readers skip (the field says it is required). */
function FieldLabel({ htmlFor, label, required }: { htmlFor: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={htmlFor} className="text-sm font-medium text-slate-800">
      {label}
      {required && (
        <span aria-hidden className="text-red-600">
          {" "}
          *
        </span>
      )}
    </label>
  );
}

export function FieldError({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p id={id} className="text-xs font-medium text-red-700">
      {errors.join(" ")}
    </p>
  );
}

export function FormMessage({ ok, message }: { ok?: boolean; message?: string }) {
  if (!message) return null;
  return (
    <p
      role={ok ? "status" : "alert"}
      className={cn(
        "rounded-md px-3 py-2 text-sm",
        ok ? "bg-emerald-50 text-emerald-800" : "bg-red-50 text-red-800",
      )}
    >
      {message}
    </p>
  );
}

/**
 * A key's or certificate's text box: its label, marked required unless a saved one may be kept
 * (`required`), and a monospace textarea; the caller adds its hint, errors and buttons.
 */
export function KeyTextArea({
  id,
  label,
  invalid,
  ref,
  ...props
}: {
  id: string;
  label: string;
  invalid: boolean;
  ref?: React.Ref<HTMLTextAreaElement>;
} & Omit<React.TextareaHTMLAttributes<HTMLTextAreaElement>, "id" | "className">) {
  return (
    <>
      <FieldLabel htmlFor={id} label={label} required={props.required} />
      <textarea
        ref={ref}
        id={id}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={invalid || undefined}
        className={cn(
          "rounded-md border bg-white px-3 py-2 font-mono text-xs shadow-xs placeholder:font-sans placeholder:text-sm placeholder:text-slate-500",
          invalid ? "border-red-500" : "border-slate-300",
        )}
        {...props}
      />
    </>
  );
}

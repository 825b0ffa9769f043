import type { ReactNode } from "react";
import { cn } from "./cn";

/** A plain GET form in a search landmark: what it asks lives in the URL, so it can be shared and survive a reload. */
export function SearchBox({
  label,
  className,
  submit,
  children,
}: {
  /** The landmark's name. */
  label: string;
  /** The form's layout. */
  className: string;
  /** The submit button's text. */
  submit: string;
  children: ReactNode;
}) {
  return (
    <search aria-label={label}>
      <form method="get" className={className}>
        {children}
        <button
          type="submit"
          className="rounded-md bg-brand-600 px-3.5 py-2 text-sm font-semibold text-white hover:bg-brand-700"
        >
          {submit}
        </button>
      </form>
    </search>
  );
}

/** The search text (`q`) of a SearchBox, with its label. */
export function SearchField({
  id,
  label,
  labelClassName,
  className,
  defaultValue,
  placeholder,
}: {
  id: string;
  label: string;
  labelClassName: string;
  /** Added to the input's own classes. */
  className?: string;
  defaultValue?: string;
  placeholder: string;
}) {
  return (
    <>
      <label htmlFor={id} className={labelClassName}>
        {label}
      </label>
      <input
        id={id}
        name="q"
        type="search"
        defaultValue={defaultValue}
        placeholder={placeholder}
        className={cn(className, "rounded-md border border-slate-300 bg-white px-3 py-2 text-sm")}
      />
    </>
  );
}

/** How many results a search found ("1 user", "1,234 users"), announced as it changes. */
export function ResultCount({
  total,
  one,
  many,
  filtered = false,
}: {
  total: number;
  /** The noun for one result, and for any other number. */
  one: string;
  many: string;
  /** Adds "match these filters". */
  filtered?: boolean;
}) {
  return (
    <p className="mb-2 text-sm text-slate-600" aria-live="polite">
      {total.toLocaleString("en")} {total === 1 ? one : many}
      {filtered && " match these filters"}
    </p>
  );
}

import type { ComponentProps } from "react";
import { cn } from "./cn";

/**
 * A table with a screen-reader caption. By default a table too wide for the screen scrolls
 * sideways instead of breaking the layout. `fit`: a row is one line at any width instead — fixed
 * column widths (set on the head cells; less important columns hidden when the table is narrow:
 * `shownFrom`), every cell cut with an ellipsis (give it a `title` with the full value), and the
 * head row stays in view while the page scrolls. Sideways scrolling would make the head row stick
 * to the table's own box instead of the page, hence `overflow-clip`, which still rounds the corners.
 */
export function Table({
  caption,
  fit = false,
  className,
  children,
}: {
  caption: string;
  fit?: boolean;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <div
      className={cn(
        "rounded-lg border border-slate-200 bg-white shadow-sm",
        fit ? "@container overflow-clip" : "overflow-x-auto",
        className,
      )}
    >
      <table
        className={cn(
          "w-full text-left text-sm",
          fit &&
            "table-fixed [&_td]:truncate [&_td]:px-3 [&_td]:align-middle [&_th]:sticky [&_th]:top-0 [&_th]:z-10 [&_th]:truncate [&_th]:px-3",
        )}
      >
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

/**
 * A column of a `fit` table shown only when the table is at least this wide (container queries:
 * the same table is narrower beside a sidebar or in a grid column); below, its values are on the
 * row's own page. In pixels: @md 448, @xl 576, @2xl 672, @3xl 768, @4xl 896, @6xl 1152,
 * @7xl 1280. (A 1280 px screen leaves the main column about 960 px, a 1024 px screen about 700.)
 */
export const shownFrom = {
  "@md": "hidden @md:table-cell",
  "@xl": "hidden @xl:table-cell",
  "@2xl": "hidden @2xl:table-cell",
  "@3xl": "hidden @3xl:table-cell",
  "@4xl": "hidden @4xl:table-cell",
  "@6xl": "hidden @6xl:table-cell",
  "@7xl": "hidden @7xl:table-cell",
} as const;

export function Th({ className, ...props }: ComponentProps<"th">) {
  return (
    <th
      scope="col"
      // The line under the head row is a shadow: a collapsed border stays behind when the row sticks.
      className={cn(
        "bg-slate-50 px-4 py-2.5 text-xs font-semibold tracking-wide text-slate-600 uppercase shadow-[inset_0_-1px_0_var(--color-slate-200)]",
        className,
      )}
      {...props}
    />
  );
}

export function Td({ className, ...props }: ComponentProps<"td">) {
  return <td className={cn("border-b border-slate-100 px-4 py-2.5 align-top", className)} {...props} />;
}

"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

export interface NavItem {
  href: string;
  label: string;
  /** The heading the item is listed under; "User Management" unless said. */
  section?: string;
}

export function SidebarNav({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  // Map.groupBy needs Node 21; this renders on Node 20 too.
  const sections = new Map<string, NavItem[]>();
  for (const item of items) {
    const section = item.section ?? "User Management";
    sections.set(section, [...(sections.get(section) ?? []), item]);
  }
  return (
    <nav aria-label="Main" className="flex flex-col gap-5">
      {[...sections].map(([section, sectionItems]) => (
        <div key={section}>
          <p className="px-3 pb-2 text-xs font-semibold tracking-wider text-slate-500 uppercase">{section}</p>
          <NavList items={sectionItems} pathname={pathname} />
        </div>
      ))}
    </nav>
  );
}

function NavList({ items, pathname }: { items: NavItem[]; pathname: string }) {
  return (
    <ul className="flex flex-col gap-0.5">
      {items.map((item) => {
        const current = pathname === item.href || pathname.startsWith(`${item.href}/`);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={current ? "page" : undefined}
              className={cn(
                "block rounded-md px-3 py-2 text-sm font-medium",
                current ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100",
              )}
            >
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

import { SearchBox, SearchField } from "@/components/ui/search-box";
import { statusLabel } from "./user-status";

interface Option {
  id: string;
  name: string;
}

/** A plain GET form: filters live in the URL, so they can be shared and survive a reload. */
export function UserFilters({
  values,
  statuses,
  sources,
  groups,
}: {
  values: { q?: string; status?: string; source?: string; group?: string; sort: string };
  statuses: string[];
  sources: Option[];
  groups: Option[];
}) {
  const select = "rounded-md border border-slate-300 bg-white px-2 py-2 text-sm";
  return (
    <SearchBox label="Filter users" className="mb-4 flex flex-wrap items-end gap-3" submit="Apply">
      <div className="flex min-w-56 flex-1 flex-col gap-1">
        <SearchField
          id="users-q"
          label="Search"
          labelClassName="text-xs font-medium text-slate-600"
          defaultValue={values.q}
          placeholder="Name, email or username"
        />
      </div>
      <Filter id="users-status" label="Status" name="status" value={values.status} className={select}>
        {statuses.map((s) => (
          <option key={s} value={s}>
            {statusLabel(s)}
          </option>
        ))}
      </Filter>
      <Filter id="users-source" label="Source" name="source" value={values.source} className={select}>
        {sources.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </Filter>
      <Filter id="users-group" label="Group" name="group" value={values.group} className={select}>
        {groups.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </Filter>
      <div className="flex flex-col gap-1">
        <label htmlFor="users-sort" className="text-xs font-medium text-slate-600">
          Sort
        </label>
        <select id="users-sort" name="sort" defaultValue={values.sort} className={select}>
          <option value="name">Name A–Z</option>
          <option value="-name">Name Z–A</option>
          <option value="-created">Newest first</option>
          <option value="created">Oldest first</option>
        </select>
      </div>
    </SearchBox>
  );
}

function Filter({
  id,
  label,
  name,
  value,
  className,
  children,
}: {
  id: string;
  label: string;
  name: string;
  value?: string;
  className: string;
  children: React.ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-slate-600">
        {label}
      </label>
      <select id={id} name={name} defaultValue={value ?? ""} className={className}>
        <option value="">All</option>
        {children}
      </select>
    </div>
  );
}

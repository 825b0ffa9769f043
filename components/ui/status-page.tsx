import Link from "next/link";

/** A full-page answer such as 403 or 404, always with a way back to the dashboard. */
export function StatusPage({
  code,
  title,
  children,
}: {
  code: string;
  title: string;
  children?: React.ReactNode;
}) {
  return (
    <main className="grid min-h-[60vh] place-items-center p-8 text-center">
      <div>
        <p className="text-sm font-semibold text-brand-600">{code}</p>
        <h1 className="mt-1 text-2xl font-semibold">{title}</h1>
        {children && <p className="mt-2 text-sm text-slate-600">{children}</p>}
        <Link
          href="/user-management/users"
          className="mt-6 inline-block text-sm font-semibold text-brand-700 hover:underline"
        >
          Go to Users
        </Link>
      </div>
    </main>
  );
}

import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="grid min-h-[60vh] place-items-center p-8 text-center">
      <div>
        <p className="text-sm font-semibold text-brand-600">403</p>
        <h1 className="mt-1 text-2xl font-semibold">You do not have access to this page</h1>
        <p className="mt-2 text-sm text-slate-600">Only Owners and Administrators can manage user syncs.</p>
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

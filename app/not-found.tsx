import Link from "next/link";

export default function NotFound() {
  return (
    <main className="grid min-h-[60vh] place-items-center p-8 text-center">
      <div>
        <p className="text-sm font-semibold text-brand-600">404</p>
        <h1 className="mt-1 text-2xl font-semibold">Page not found</h1>
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

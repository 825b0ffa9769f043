"use client";

import Link from "next/link";

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <main className="grid min-h-[60vh] place-items-center p-8 text-center">
      <div>
        <h1 className="text-2xl font-semibold">Something went wrong</h1>
        <p className="mt-2 text-sm text-slate-600">
          The page could not be shown. {error.digest && <span>Reference: {error.digest}</span>}
        </p>
        <div className="mt-6 flex justify-center gap-4">
          <button
            type="button"
            onClick={reset}
            className="text-sm font-semibold text-brand-700 hover:underline"
          >
            Try again
          </button>
          <Link
            href="/user-management/users"
            className="text-sm font-semibold text-brand-700 hover:underline"
          >
            Go to Users
          </Link>
        </div>
      </div>
    </main>
  );
}

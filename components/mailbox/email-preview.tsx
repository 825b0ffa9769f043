import { Card } from "@/components/ui/card";

/**
 * The email as a client shows it, in a sandboxed frame: no scripts, no same-origin access to the
 * dashboard. Links open in a new tab (popups may leave the sandbox; scripts still may not run).
 */
export function EmailPreview({ html, text }: { html: string; text: string }) {
  const srcDoc = /<head[^>]*>/i.test(html)
    ? html.replace(/<head([^>]*)>/i, '<head$1><base target="_blank">')
    : `<base target="_blank">${html}`;
  return (
    <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <Card className="overflow-hidden">
        <h2 className="border-b border-slate-200 px-4 py-2.5 text-sm font-semibold text-slate-700">HTML</h2>
        <iframe
          title="Email preview"
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcDoc={srcDoc}
          className="h-[900px] w-full bg-white"
        />
      </Card>
      <Card className="overflow-hidden">
        <h2 className="border-b border-slate-200 px-4 py-2.5 text-sm font-semibold text-slate-700">
          Plain text
        </h2>
        {/* No scroll box of its own: the page scrolls, so keyboard users reach all of it. */}
        <pre
          data-testid="email-text"
          className="px-4 py-3 font-mono text-xs leading-5 whitespace-pre-wrap text-slate-800 [overflow-wrap:anywhere]"
        >
          {text}
        </pre>
      </Card>
    </div>
  );
}

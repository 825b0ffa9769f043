import { render } from "@react-email/components";
import type { ReactElement } from "react";

// Label–value tables stay rows in the text part; headings keep their case.
const htmlToTextOptions = {
  selectors: [
    { selector: "table.details", format: "dataTable" },
    { selector: "h1", options: { uppercase: false } },
  ],
};

export interface RenderedEmail {
  html: string;
  text: string;
}

/** The HTML and the plain-text part of one email; every email carries both. */
export async function renderEmail(element: ReactElement): Promise<RenderedEmail> {
  const [html, text] = await Promise.all([
    render(element),
    render(element, { plainText: true, htmlToTextOptions }),
  ]);
  return { html, text };
}

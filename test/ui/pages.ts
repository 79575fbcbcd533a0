/** Fetching the pages over real HTTP and reading them as documents (linkedom), for the page tests. */
import { request } from "node:http";
import { parseHTML } from "linkedom";

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  document: Document;
}

export async function getPage(url: string, headers: Record<string, string> = {}): Promise<Page> {
  const response = await fetch(url, { headers, redirect: "manual" });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, document: parseHTML(text).document as unknown as Document };
}

/** GETs `url` with a Host header of our choosing (fetch does not let one be set). */
export function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(url, { headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
    });
    req.on("error", fail);
    req.end();
  });
}

/** The run ids of a runs or compare table, in order. */
export function rowIds(document: Document, table = "runs"): number[] {
  return Array.from(document.querySelectorAll(`#${table} tbody tr`)).map((tr) => Number(tr.getAttribute("data-run")));
}

/** The text of each header cell of a table. */
export function headers(document: Document, table = "runs"): string[] {
  return Array.from(document.querySelectorAll(`#${table} thead th`)).map((th) => (th.textContent ?? "").trim());
}

/** The cells of column `header` (by its header text, arrows aside), row by row. */
export function column(document: Document, header: string, table = "runs"): string[] {
  const index = headers(document, table).findIndex((h) => h.replace(/ [▼▲↑↓]$/, "") === header);
  if (index < 0) throw new Error(`no column ${header} in ${headers(document, table).join(" | ")}`);
  return Array.from(document.querySelectorAll(`#${table} tbody tr`)).map((tr) => (tr.children[index]?.textContent ?? "").trim());
}

/** The href of the link whose text is `text`. */
export function linkTo(document: Document, text: string): string | undefined {
  return Array.from(document.querySelectorAll("a")).find((a) => (a.textContent ?? "").trim() === text)?.getAttribute("href") ?? undefined;
}

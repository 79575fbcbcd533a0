/**
 * Reading rich displays back: the bundle of a value that must have one, and
 * its HTML tables as data, so that tests observe structure rather than markup.
 */
import assert from "node:assert/strict";
import { richBundle } from "../../src/display";
import type { MimeBundle } from "../../src/display";

/** The bundle of a value that must have one, with its text/plain. */
export function bundleOf(value: unknown): MimeBundle {
  const bundle = richBundle(value);
  assert.ok(bundle, "a rich form");
  assert.equal(typeof bundle["text/plain"], "string");
  return bundle;
}

/** The j-th cell of each row (0: the row labels). */
export function column(rows: readonly string[][], j = 0): string[] {
  return rows.map((r) => r[j] ?? "");
}

/** The numbers from..to-1 as text, as a table shows them. */
export function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => String(from + i));
}

/** A table of a rich display, read back from its HTML: cells as the reader sees them (entities decoded). */
export interface ShownTable {
  caption?: string;
  header: string[];
  rows: string[][];
  footer?: string;
}

const TABLE = /<table class="pipelab-table">(?:<caption>(.*?)<\/caption>)?<thead><tr>(.*?)<\/tr><\/thead><tbody>(.*?)<\/tbody><\/table>(?:<p>(.*?)<\/p>)?/gs;

/** Decodes the entities escapeHtml writes (&#60; and the like) and the few named ones. */
export function decodeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&(lt|gt|quot|amp);/g, (_, name: string) => ({ lt: "<", gt: ">", quot: '"', amp: "&" })[name] ?? "");
}

function cells(row: string): string[] {
  return [...row.matchAll(/<t[hd]>(.*?)<\/t[hd]>/gs)].map((m) => decodeHtml(m[1] ?? ""));
}

/** The tables of a bundle's HTML, in order. Throws when the HTML holds anything else, so that stray markup is seen. */
export function readTables(html: string): ShownTable[] {
  const tables = [...html.matchAll(TABLE)];
  const rest = html.replace(TABLE, "").trim();
  if (rest !== "") throw new Error(`the HTML holds more than pipelab tables: ${rest.slice(0, 200)}`);
  return tables.map(([, caption, head, body, footer]) => ({
    ...(caption === undefined ? {} : { caption: decodeHtml(caption) }),
    header: cells(head ?? ""),
    rows: [...(body ?? "").matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => cells(m[1] ?? "")),
    ...(footer === undefined ? {} : { footer: decodeHtml(footer) }),
  }));
}

/** The one table of a bundle's HTML. */
export function readTable(html: string | undefined): ShownTable {
  const tables = readTables(html ?? "");
  if (tables.length !== 1) throw new Error(`expected one table, found ${tables.length}`);
  return tables[0] as ShownTable;
}

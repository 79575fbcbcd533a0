/**
 * IPython's help syntax: a cell that is just `?name`, `name?` (or with `??`)
 * asks for what the kernel knows of `name` (its type and documentation),
 * shown in the notebook's pager, as Jupyter's `page` payload.
 */

const NAME = String.raw`[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*`;
const BEFORE = new RegExp(String.raw`^\s*\?\??\s*(${NAME})\s*$`);
const AFTER = new RegExp(String.raw`^\s*(${NAME})\s*\?\??\s*$`);

/** The name a help cell asks about, or undefined when the cell is code. */
export function pagerTarget(code: string): string | undefined {
  return (BEFORE.exec(code) ?? AFTER.exec(code))?.[1];
}

/**
 * The mark of objects that are not data: a step that reads one (the
 * workbench, the store, anything passed to `untracked`) does not depend on it.
 * A symbol of the global registry, so that every copy of pipelab in a process
 * (a kernel's and a notebook's) agrees.
 */
export const NOT_DATA: unique symbol = Symbol.for("pipelab.notData") as typeof NOT_DATA;

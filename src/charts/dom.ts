import { parseHTML } from "linkedom";

let documentInstance: Document | undefined;

/**
 * A DOM document for Plot to draw into outside a browser. linkedom is a small,
 * fast DOM; one document serves every chart of the process.
 */
export function chartDocument(): Document {
  // linkedom's Document implements what Plot uses of the DOM; its own types do not claim the full interface.
  documentInstance ??= parseHTML("<!doctype html><html><head></head><body></body></html>").document as unknown as Document;
  return documentInstance;
}

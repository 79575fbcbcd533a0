let documentInstance: Document | undefined;

/**
 * A DOM document for Plot to draw into outside a browser. linkedom is a small,
 * fast DOM; one document serves every chart of the process. It loads on the
 * first chart, not at import, so commands that draw nothing start fast.
 */
export function chartDocument(): Document {
  if (!documentInstance) {
    const { parseHTML } = require("linkedom") as typeof import("linkedom");
    // linkedom's Document implements what Plot uses of the DOM; its own types do not claim the full interface.
    documentInstance = parseHTML("<!doctype html><html><head></head><body></body></html>").document as unknown as Document;
  }
  return documentInstance;
}

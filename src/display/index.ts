export { MIME_BUNDLE } from "./bundle";
export type { MimeBundle, RichDisplay } from "./bundle";
export { richBundle } from "./rich-bundle";
export { tableHtml } from "./table";

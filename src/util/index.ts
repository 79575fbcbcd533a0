export { sha256, stableStringify } from "./hash";
export { findProjectRoot } from "./project";
export { formatBytes, formatDuration } from "./format";
export { warnOnce } from "./warn";
export { packageRoot, pipelabVersion } from "./version";
export { escapeHtml } from "./html";
export { writeFileAtomic } from "./fs";
export { FileMemo, fileDigest, readFileWithDigest, sourceDigest } from "./file-digest";
export { PATH_RULE, describeUnreadable } from "./paths";

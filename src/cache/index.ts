export { StepCache } from "./step-cache";
export type { ArtifactListing, ArtifactStore } from "./artifact-store";
export type { CacheHit, CacheReport, EntryMeta, Stored } from "./step-cache";
export { CODEC_VERSION, UnserializableError, decode, encode } from "./codec";
export { CorruptArtifactError, DiskStore } from "./disk-store";
export type { ArtifactHeader, Leftovers } from "./disk-store";
export { registerSerializer } from "./serializers";
export type { Encodable, Serializer } from "./serializers";

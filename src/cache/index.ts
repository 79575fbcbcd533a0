export { StepCache } from "./step-cache";
export type { CacheHit, CacheReport, Stored, StoreMode } from "./step-cache";
export { CODEC_VERSION, UnserializableError, decode, encode } from "./codec";
export { ARTIFACT_LAYOUT, CorruptArtifactError, DiskStore } from "./disk-store";
export type { ArtifactHeader } from "./disk-store";
export { registerSerializer } from "./serializers";
export type { Encodable, Serializer } from "./serializers";

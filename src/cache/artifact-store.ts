/**
 * What the step cache needs of the place its artifacts live: checksummed
 * blobs by key, like marimo's `Store`. The local folder (DiskStore) and a
 * folder shared by many machines (SharedFolderStore) implement it; an object
 * store would implement the same, and the step cache and the runner do not
 * change.
 */
import type { LoggedPoint } from "../run-context";

/** A metric point a step logged (run-context's shape). */
export type { LoggedPoint };

/** What an artifact file says about itself. */
export interface ArtifactHeader {
  key: string;
  step: string;
  /** The run that computed it, if any. */
  runId: number | null;
  createdAt: string;
  /** sha256 of the payload: the output's fingerprint (and, in artifacts without `verify`, the checksum verified on read). */
  checksum: string;
  /**
   * The checksum verified on every read, `xxh32:<hex>`: four times faster
   * than a sha256, which is what a disk hit otherwise spends most of its
   * time on. Artifacts written before it existed are verified by `checksum`.
   */
  verify?: string;
  payloadBytes: number;
  /** Metric points the step logged while computing, replayed into runs that reuse the output. */
  logged?: LoggedPoint[];
  /** Files the step read while computing (through pipelab's readers): path -> content hash. */
  readFiles?: Record<string, string>;
  /** The project modules whose code ran when the output was computed: path -> source digest. */
  modules?: Record<string, string>;
}

/** What lies in the cache folder besides readable artifacts. */
export interface Leftovers {
  /** Temporary files of writers that died before renaming (older than disk-store's ORPHAN_AGE_MS). */
  orphans: { path: string; bytes: number }[];
  /** Folders of older artifact layouts, never read again. */
  oldLayouts: { path: string; bytes: number }[];
}

/** One stored artifact, as a listing shows it. */
export interface ArtifactListing {
  /** Where it is, for people and for removing an unreadable one. */
  path: string;
  bytes: number;
  mtime: Date;
  /** Undefined when the artifact is unreadable (corrupt). */
  header?: ArtifactHeader;
  /** Which stored version was listed (see ArtifactVersion): `discard` removes that one only. */
  version: ArtifactVersion;
  /** Published so recently that a prune keeps it whatever it says: its run, on another machine, may not be recorded yet. */
  fresh?: boolean;
}

/**
 * An opaque token for one stored version of an artifact (a file's device,
 * inode, size and mtime; an object store's ETag). Removing "the artifact I
 * read" by key alone could remove a good one another process published since.
 */
export type ArtifactVersion = string;

export interface ArtifactStore {
  /** The place, as people read it (a folder, a URL). */
  readonly root: string;
  /** Why processes on many machines may write here at once, when they may (a shared folder's marker, an object store), for messages. */
  readonly sharedBecause?: string;
  /** Where one key's artifact lives, for messages. */
  fileOf(key: string): string;
  has(key: string): boolean;
  /** Stores an artifact whole or not at all (the last of two concurrent writers wins). Throws the place's error (a full disk). */
  write(header: ArtifactHeader, payload: Uint8Array): void;
  /** The artifact, its checksums verified; undefined when there is none; a CorruptArtifactError (with the version read) when it is damaged. */
  read(key: string): { header: ArtifactHeader; payload: Buffer; version: ArtifactVersion } | undefined;
  /** The verified header alone (listings, plans); undefined when there is none or it is unreadable. */
  headerOf(key: string): ArtifactHeader | undefined;
  /** Removes `key`'s artifact; given a version, only that version (one published since stays). Whether it removed one. */
  remove(key: string, version?: ArtifactVersion): boolean;
  list(): ArtifactListing[];
  /** Removes a listed artifact (readable or not) if it is still the version listed. */
  discard(listing: ArtifactListing): boolean;
  /** What lies there besides readable artifacts: temporary files of dead writers, older layouts. */
  leftovers(): Leftovers;
  removeLeftovers(leftovers?: Leftovers): { removed: number; freedBytes: number };
}

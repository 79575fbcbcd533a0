/**
 * The experiments of a store with how many runs each holds (deleted ones not
 * counted), for the runs page's list: the store's own listing.
 */
import type { BrowsableStore } from "../tracking";

export interface ExperimentSummary {
  name: string;
  runs: number;
}

/** Lists a store's experiments. */
export class ExperimentList {
  constructor(private readonly store: BrowsableStore) {}

  list(): ExperimentSummary[] {
    return this.store.listExperiments();
  }

  /** Nothing to release: the store's connection is the store's. */
  close(): void {}
}

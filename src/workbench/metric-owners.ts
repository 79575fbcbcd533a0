/**
 * Which step logged each metric of a run: a second step logging the same
 * metric name overwrites the first one's final value (two `evaluate()` calls
 * both write `test_accuracy`), which is never what was meant. The workbench
 * warns once per pair of steps, naming both and the metrics they share.
 */
export class MetricOwners {
  private readonly owners = new Map<string, string>();
  private readonly warned = new Set<string>();

  /**
   * Notes that `step` logged `keys`; returns a warning when another step of
   * this run logged some of them first (once per pair of steps).
   */
  note(step: string, keys: Iterable<string>): string | undefined {
    const clashes = new Map<string, string[]>();
    for (const key of keys) {
      const owner = this.owners.get(key);
      if (owner === undefined) this.owners.set(key, step);
      else if (owner !== step) {
        const list = clashes.get(owner) ?? [];
        if (!list.includes(key)) list.push(key);
        clashes.set(owner, list);
      }
    }
    const lines: string[] = [];
    for (const [owner, shared] of clashes) {
      const pair = `${owner}\0${step}`;
      if (this.warned.has(pair)) continue;
      this.warned.add(pair);
      const names = shared.length > 4 ? `${shared.slice(0, 4).join(", ")} and ${shared.length - 4} more` : shared.join(", ");
      const evaluated = shared.some((k) => k.startsWith("test_"));
      const fix = evaluated
        ? `give each its own prefix: evaluate(model, x, y, { prefix: "${step}_test_" })`
        : `give each its own names: trainModel(data, { metricPrefix: "${step}_" }), or wb.log("${step}_...", value)`;
      lines.push(
        `steps "${owner}" and "${step}" both log ${names} in this run: the values of "${step}" replace those of "${owner}" as the run's final metrics. To keep both, ${fix}.`,
      );
    }
    return lines.length > 0 ? lines.join("\n") : undefined;
  }

  /** A new run: nothing logged yet. */
  clear(): void {
    this.owners.clear();
    this.warned.clear();
  }
}

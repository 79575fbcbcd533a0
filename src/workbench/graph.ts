import { plotLib, renderPlot } from "../charts";
import type { RenderedChart } from "../charts";
import type { PlanEntry, StepState } from "./runner";

/** Colorblind-safe (ColorBrewer Dark2) colors of step states. */
const STATE_COLORS: Record<StepState, string> = { fresh: "#1b9e77", stale: "#d95f02", missing: "#7570b3" };

/**
 * The pipeline as a chart: a node per step, laid out left to right by depth
 * (a step sits right of every step it takes inputs from), arrows along the
 * inputs, nodes colored by plan state.
 */
export function renderPipelineGraph(entries: readonly PlanEntry[]): RenderedChart {
  const Plot = plotLib();
  const depth = new Map<string, number>();
  for (const e of entries) depth.set(e.step, Math.max(0, ...e.upstream.map((u) => (depth.get(u) ?? 0) + 1)));
  const row = new Map<string, number>();
  const perDepth = new Map<number, number>();
  for (const e of entries) {
    const d = depth.get(e.step) ?? 0;
    row.set(e.step, perDepth.get(d) ?? 0);
    perDepth.set(d, (perDepth.get(d) ?? 0) + 1);
  }
  const nodes = entries.map((e) => ({ step: e.step, state: e.state, x: depth.get(e.step) ?? 0, y: row.get(e.step) ?? 0, why: e.reasons.join("; ") }));
  const edges = entries.flatMap((e) =>
    e.upstream.filter((u) => depth.has(u)).map((u) => ({ x1: depth.get(u) ?? 0, y1: row.get(u) ?? 0, x2: depth.get(e.step) ?? 0, y2: row.get(e.step) ?? 0 })),
  );
  const columns = Math.max(1, ...[...perDepth.keys()].map((d) => d + 1));
  const rows = Math.max(1, ...perDepth.values());
  const stale = entries.filter((e) => e.state !== "fresh").length;
  const states = (["fresh", "stale", "missing"] as const).filter((s) => entries.some((e) => e.state === s));
  return renderPlot({
    title: `Pipeline: ${entries.length} step${entries.length === 1 ? "" : "s"}, ${stale === 0 ? "all fresh" : `${stale} to recompute`}`,
    width: Math.max(320, 170 * columns + 80),
    height: 70 * rows + 70,
    marginLeft: 70,
    marginRight: 70,
    x: { axis: null, domain: [-0.3, columns - 0.7] },
    y: { axis: null, domain: [-0.6, rows - 0.4] },
    color: { domain: states, range: states.map((s) => STATE_COLORS[s]), legend: true },
    marks: [
      Plot.arrow(edges, { x1: "x1", y1: "y1", x2: "x2", y2: "y2", bend: true, stroke: "#888", insetStart: 12, insetEnd: 14 }),
      Plot.dot(nodes, { x: "x", y: "y", r: 9, symbol: "square", fill: "state", title: (d: { step: string; state: string; why: string }) => `${d.step}: ${d.state} (${d.why})` }),
      Plot.text(nodes, { x: "x", y: "y", text: "step", dy: -18, fontSize: 12, fontWeight: "bold" }),
      Plot.text(nodes, { x: "x", y: "y", text: "state", dy: 19, fontSize: 10, fill: "#555" }),
    ],
  });
}

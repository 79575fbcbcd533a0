/**
 * Colors for charts that people with color vision deficiencies can tell
 * apart: the Okabe–Ito palette (black dropped, it is for text; grey in its
 * place). Its yellow is faint on white, so it comes last: charts of up to
 * seven series never use it. Beyond eight series, colors repeat with another
 * dash pattern, so up to 24 series stay distinguishable.
 */
export const OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#999999", "#F0E442"] as const;

/** Stroke dash patterns that go with repeated colors. */
export const DASHES = ["", "6,3", "2,2"] as const;

/** The color and dash of the i-th series. */
export function seriesStyle(i: number): { color: string; dash: string } {
  return { color: OKABE_ITO[i % OKABE_ITO.length] as string, dash: DASHES[Math.floor(i / OKABE_ITO.length) % DASHES.length] as string };
}

/** A color scale for `n` named series: `{ domain, range }` for Plot's `color` option. */
export function seriesColors(names: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...names], range: names.map((_, i) => seriesStyle(i).color) };
}

/** A sequential, colorblind-safe scheme for heatmaps (confusion matrices). */
export const SEQUENTIAL_SCHEME = "blues";

/** Colors for "better" and "worse" highlights. */
export const HIGHLIGHT = { best: "#009E73", other: "#999999" } as const;

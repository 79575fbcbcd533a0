/**
 * The kernel's input history for Jupyter's `history_request`: the cells run
 * in this kernel session (those with `store_history`), with their results.
 * It lives in memory: a restarted kernel starts a new, empty history.
 */

/** One executed cell: its execution count, its code and the text of its result. */
interface Entry {
  line: number;
  input: string;
  output: string | null;
}

/** A history_request's content (messaging spec 5.3). */
export interface HistoryRequest {
  hist_access_type?: string;
  output?: boolean;
  raw?: boolean;
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

/** One reply item: [session, line, input] or [session, line, [input, output]]. */
export type HistoryItem = [number, number, string | [string, string | null]];

/** The current session's number in replies; 0 in a request also means it, as in IPython. */
export const SESSION = 1;

/** `*` and `?` as in a shell glob (IPython's history search), the rest literal. */
function globRegExp(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&"))).join("");
  return new RegExp(`^${body}$`);
}

/** The history of one kernel session. */
export class History {
  private readonly entries: Entry[] = [];

  /** Records a cell run with `store_history`. */
  add(line: number, input: string): void {
    this.entries.push({ line, input, output: null });
  }

  /** Records the text of the result of the cell run as `line`. */
  setOutput(line: number, output: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as Entry;
      if (entry.line !== line) continue;
      entry.output = output;
      return;
    }
  }

  /** Answers a history_request: `tail`, `range` or `search`. */
  query(request: HistoryRequest): HistoryItem[] {
    const item = (e: Entry): HistoryItem => [SESSION, e.line, request.output ? [e.input, e.output] : e.input];
    switch (request.hist_access_type) {
      case "tail":
        return this.last(this.entries, request.n ?? 10).map(item);
      case "range": {
        const session = request.session ?? 0;
        if (session !== 0 && session !== SESSION) return [];
        const start = request.start ?? 0;
        const stop = request.stop ?? Number.POSITIVE_INFINITY;
        return this.entries.filter((e) => e.line >= start && e.line < stop).map(item);
      }
      case "search": {
        const match = globRegExp(request.pattern ?? "*");
        let found = this.entries.filter((e) => match.test(e.input));
        if (request.unique) {
          // The latest run of each distinct input, in order.
          const latest = new Map(found.map((e) => [e.input, e]));
          found = found.filter((e) => latest.get(e.input) === e);
        }
        return this.last(found, request.n ?? null).map(item);
      }
      default:
        return [];
    }
  }

  private last(entries: Entry[], n: number | null): Entry[] {
    return n === null || n <= 0 ? entries : entries.slice(-n);
  }
}

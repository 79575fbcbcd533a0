/**
 * A strict CSV/TSV parser: RFC 4180 quoting ("a ""quoted"" field", line
 * breaks inside quotes), CRLF or LF, a UTF-8 byte order mark skipped.
 *
 * It says where a file is malformed: an unterminated quote, text after a
 * closing quote, a record with more or fewer fields than the header. Both the
 * vega-datasets loader and `readCsv` read through it.
 */

/** A parsed file: the header, the records, and the line each record starts on (1-based). */
export interface ParsedCsv {
  header: string[];
  records: string[][];
  lines: number[];
}

/** A malformed file, with the 1-based line where the problem is. */
export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export function parseCsv(text: string, delimiter: string): ParsedCsv {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new RangeError(`invalid delimiter: ${JSON.stringify(delimiter)} (use one character such as "," or "\\t")`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  const lines: number[] = [];
  let record: string[] = [];
  let field = "";
  // Whether the current field has begun (a quote opens quoting only at its start).
  let started = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = body.length;
  const endField = (): void => {
    record.push(field);
    field = "";
    started = false;
  };
  const endRecord = (): void => {
    endField();
    // A blank line is not a record (as in the vega-datasets reader).
    if (!(record.length === 1 && record[0] === "")) {
      records.push(record);
      lines.push(recordLine);
    }
    record = [];
  };
  while (i < n) {
    const c = body[i];
    if (c === '"' && !started) {
      // A quoted field: runs to the next lone quote.
      const quoteLine = line;
      started = true;
      i++;
      let closed = false;
      while (i < n) {
        const q = body[i];
        if (q === '"') {
          if (body[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (q === "\n") line++;
        field += q;
        i++;
      }
      if (!closed) throw new CsvSyntaxError(quoteLine, 'a quoted field is never closed (a " is missing)');
      const next = body[i];
      if (next !== undefined && next !== delimiter && next !== "\n" && next !== "\r") {
        throw new CsvSyntaxError(line, `text after a closing quote: ${JSON.stringify(body.slice(i, i + 20))} (write a quote inside a quoted field as "")`);
      }
    } else if (c === delimiter) {
      endField();
      i++;
    } else if (c === "\n" || c === "\r") {
      endRecord();
      i += c === "\r" && body[i + 1] === "\n" ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += c;
      started = true;
      i++;
    }
  }
  if (started || record.length > 0) endRecord();
  const header = records.shift();
  const headerLine = lines.shift() ?? 1;
  if (header === undefined) throw new CsvSyntaxError(1, "the file is empty (it needs a header line with the column names)");
  records.forEach((r, k) => {
    if (r.length !== header.length) {
      throw new CsvSyntaxError(
        lines[k] ?? headerLine,
        `${r.length} field${r.length === 1 ? "" : "s"} where the header (line ${headerLine}) has ${header.length}`,
      );
    }
  });
  return { header, records, lines };
}

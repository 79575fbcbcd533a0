import { tslabDisplay } from "./kernel";

/** Where rich output goes: the notebook under the cell, or a terminal. */
export interface Output {
  /** True when rich output reaches a notebook. */
  readonly rich: boolean;
  html(html: string, textFallback: string): void;
  svg(svg: string, textFallback: string): void;
  text(text: string): void;
}

class KernelOutput implements Output {
  readonly rich = true;
  html(html: string): void {
    tslabDisplay()?.display.html(html);
  }
  svg(svg: string): void {
    tslabDisplay()?.display.svg(svg);
  }
  text(text: string): void {
    // Plain console output keeps the cell's stream order with user prints.
    console.log(text);
  }
}

class TerminalOutput implements Output {
  readonly rich = false;
  html(_html: string, textFallback: string): void {
    console.log(textFallback);
  }
  svg(_svg: string, textFallback: string): void {
    console.log(textFallback);
  }
  text(text: string): void {
    console.log(text);
  }
}

/** The output of this process: the notebook when in a tslab kernel, else the terminal. */
export function currentOutput(): Output {
  return tslabDisplay() ? new KernelOutput() : new TerminalOutput();
}

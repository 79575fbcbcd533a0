/** One CLI command: what `pipelab help` says of it, and what it does. Returns the exit code. */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

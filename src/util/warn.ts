const warned = new Set<string>();

/**
 * Prints a soft problem once per process: the same message twice is said once.
 * Returns whether it was printed.
 */
export function warnOnce(message: string): boolean {
  if (warned.has(message)) return false;
  warned.add(message);
  process.stderr.write(`pipelab: ${message}\n`);
  return true;
}

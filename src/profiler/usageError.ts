// Bad command-line arguments, for every subcommand: one class, so the CLI tells a usage mistake
// (exit 2, with the usage text) from a failure without each parser translating the others'.

import { parseArgs, type ParseArgsConfig } from 'util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** util.parseArgs, its complaints (unknown option, missing value) turned into UsageErrors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

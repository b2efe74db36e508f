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

/** At most one document may go to stdout; `claims` maps each option as written to whether it asks for stdout. */
export function oneDocumentOnStdout(claims: Record<string, boolean>): void {
  const toStdout = Object.keys(claims).filter((flag) => claims[flag]);
  if (toStdout.length > 1) throw new UsageError(`${toStdout.join(' and ')} all ask for stdout: write all but one to a file`);
}

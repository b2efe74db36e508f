// Bad command-line arguments, for every subcommand: one class, so the CLI tells a usage mistake
// (exit 2, with the usage text) from a failure without each parser translating the others'.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

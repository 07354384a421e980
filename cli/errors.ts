/** The command line was wrong: unknown flag, bad value, unreadable --json-file, missing credentials. Exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The command ran but did not fully succeed (e.g. some tasks of a collection were refused). Exit 1. */
export class CommandError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "CommandError";
    this.code = code;
  }
}

/** A wait ran out of time (`job wait --timeout`). Exit 2, printed as `error: Timeout: <message>`. */
export class WaitTimedOut extends Error {
  readonly code = "Timeout";

  constructor(message: string) {
    super(message);
    this.name = "WaitTimedOut";
  }
}

/**
 * The agent's log: one line per event on stderr (the provisioner redirects it to a file). Kept tiny on
 * purpose; structured logging can replace it without touching callers.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLog(options: { debug?: boolean; write?: (line: string) => void } = {}): Log {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel) => (message: string) =>
    write(`${new Date().toISOString()} ${level} ${message}`);
  return {
    debug: options.debug ? emit("debug") : () => {},
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  };
}

/** A message for any thrown value. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starting a process with its open-file limit raised to the hard limit: every WebSocket of thousands of
 * (simulated) agents holds a descriptor in the service and in the agents' processes, and a shell's
 * default soft limit (often 1024) is far below that. Node cannot raise its own limit.
 */

/** `[command, args]` that run `command args...` through bash with `ulimit -n` at the hard limit; `exec` keeps the pid. */
export function withRaisedFileLimit(command: string, args: string[]): [string, string[]] {
  return ["bash", ["-c", 'ulimit -n "$(ulimit -Hn)" && exec "$@"', "bash", command, ...args]];
}

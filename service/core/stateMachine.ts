/**
 * A state machine as a table: for each state, the states it may move to. `transition` refuses any
 * move the table does not list, so an impossible change is a bug caught at the point it happens.
 */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export class IllegalTransitionError extends Error {
  constructor(machine: string, from: string, to: string) {
    super(`${machine}: illegal transition ${from} → ${to}`);
    this.name = "IllegalTransitionError";
  }
}

export function canTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): boolean {
  return from === to || table[from].includes(to);
}

export function assertTransition<S extends string>(
  machine: string,
  table: TransitionTable<S>,
  from: S,
  to: S,
): void {
  if (!canTransition(table, from, to)) throw new IllegalTransitionError(machine, from, to);
}

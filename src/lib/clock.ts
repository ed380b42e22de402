/** A source of the current time, passed in so that schedules and waits are testable without sleeping. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock the caller moves by hand (tests, replays, `--as-of`). */
export interface ManualClock extends Clock {
  set(at: Date): void;
  advance(ms: number): void;
}

/** Creates a clock that stands still until it is moved. */
export function manualClock(start: Date): ManualClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

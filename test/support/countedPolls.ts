import type { EventStore } from '../../core/eventstore/index.js';

/**
 * The same store, counting the times a reader began to ask for the head of the log. A projector
 * asks the head at the start of each turn, then reads and commits what is below it; so once two
 * turns have begun after some fact, the first saw it and was dealt with before the second. A test
 * that must show a reader did NOT act on something waits for that, instead of sleeping.
 * Nothing is changed: every call goes to the real store.
 */
export const countedPolls = <S extends EventStore>(store: S): { store: S; polls(): number } => {
  let polls = 0;
  const counted = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'headPosition') return value.bind(target);
      return (...args: unknown[]): unknown => {
        polls += 1;
        return value.apply(target, args);
      };
    },
  });
  return { store: counted, polls: () => polls };
};

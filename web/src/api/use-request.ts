import { useCallback, useEffect, useRef, useState } from 'react';

/** The state of a request the page depends on. */
export interface RequestState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Runs the request again (after a change, or from a "try again" button). */
  readonly reload: () => void;
}

/**
 * Runs `load` whenever `key` changes and keeps the latest answer; answers to superseded requests are
 * dropped, so a slow old search never overwrites a newer one. Earlier data stays shown while reloading.
 */
export function useRequest<T>(key: string, load: () => Promise<T>): RequestState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  // The latest loader, without making it a dependency: callers pass a new closure on every render.
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

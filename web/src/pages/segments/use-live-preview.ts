import { useEffect, useState } from 'react';
import type { ApiClient } from '../../api/client.ts';
import { previewRule, type RuleJson, type RulePreview } from '../../api/segments-api.ts';

export interface LivePreview {
  /** The answer for the rule as it is now; undefined while it is being counted or when it failed. */
  readonly data: RulePreview | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** The rule (as JSON text) the error belongs to. */
  readonly errorFor: string | undefined;
}

/**
 * Counts the rule while it is edited: waits for a pause in the typing (`delayMs`), then asks for a
 * preview. An answer that arrives after the rule changed again is dropped, so the count on the screen
 * is always the count of the rule on the screen (the API client cannot abort a request in flight).
 * Nothing is asked while `enabled` is false (a rule without conditions).
 */
export function useLivePreview(client: ApiClient, rule: RuleJson, enabled: boolean, delayMs = 300): LivePreview {
  const key = JSON.stringify(rule);
  const [state, setState] = useState<LivePreview>({ data: undefined, error: undefined, loading: true, errorFor: undefined });
  useEffect(() => {
    // An empty rule is not sent: the server would only say that the group is empty.
    if (!enabled) {
      setState({ data: undefined, error: undefined, loading: false, errorFor: undefined });
      return;
    }
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      previewRule(client, JSON.parse(key) as RuleJson).then(
        (data) => current && setState({ data, error: undefined, loading: false, errorFor: undefined }),
        (error: unknown) => current && setState({ data: undefined, error, loading: false, errorFor: key }),
      );
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, key, enabled, delayMs]);
  return state;
}

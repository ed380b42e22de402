// The alternative to a signed-in session: a secret API key the user pasted, kept in this browser's localStorage.
const storageKey = 'patron.apiKey';

/** The key remembered in this browser, if any. */
export function readApiKey(storage: Pick<Storage, 'getItem'> | undefined = safeStorage()): string | null {
  try {
    return storage?.getItem(storageKey)?.trim() || null;
  } catch {
    return null;
  }
}

/** Remembers the key for the next visit. */
export function saveApiKey(key: string, storage: Pick<Storage, 'setItem'> | undefined = safeStorage()): void {
  try {
    storage?.setItem(storageKey, key.trim());
  } catch {
    // storage disabled: the key lasts until the page is closed
  }
}

/** Forgets the key (sign out). */
export function forgetApiKey(storage: Pick<Storage, 'removeItem'> | undefined = safeStorage()): void {
  try {
    storage?.removeItem(storageKey);
  } catch {
    // nothing stored
  }
}

function safeStorage(): Storage | undefined {
  try {
    return typeof window === 'undefined' ? undefined : window.localStorage;
  } catch {
    return undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { forgetApiKey, readApiKey, saveApiKey } from './api-key-storage.ts';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

describe('API key storage', () => {
  it('remembers a trimmed key and forgets it on sign-out', () => {
    const storage = memoryStorage();
    expect(readApiKey(storage)).toBeNull();
    saveApiKey('  demo-secret-key \n', storage);
    expect(readApiKey(storage)).toBe('demo-secret-key');
    forgetApiKey(storage);
    expect(readApiKey(storage)).toBeNull();
  });

  it('treats storage that throws (disabled, private mode) as empty', () => {
    const broken = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(readApiKey(broken)).toBeNull();
    expect(() => saveApiKey('k', broken)).not.toThrow();
    expect(() => forgetApiKey(broken)).not.toThrow();
  });
});

import { displayHint, generateApiKey, hashApiKey, isWellFormedApiKey } from '../../lambdas/core/api-keys';

describe('API keys', () => {
  it('look like mr_ followed by 49 base62 characters, and are never the same twice', () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    for (const key of keys) expect(key).toMatch(/^mr_[0-9A-Za-z]{49}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('carry a checksum, so a mistyped or truncated key is refused without a lookup', () => {
    const key = generateApiKey();
    const typo = key.slice(0, 10) + (key[10] === 'a' ? 'b' : 'a') + key.slice(11);
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(isWellFormedApiKey(typo)).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key} `)).toBe(false);
    expect(isWellFormedApiKey('sk_live_abc')).toBe(false);
  });

  it('are stored as a SHA-256 hash and shown only by prefix and last four characters', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key);
    expect(displayHint(key)).toEqual({ prefix: key.slice(0, 7), last4: key.slice(-4) });
  });
});

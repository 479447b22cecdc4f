import { startEmbeddedTtl } from '../../lambdas/local/embedded/embedded-ttl';
import { SqliteTable } from '../../lambdas/local/embedded/sqlite-table';
import type { Item } from '../../lambdas/ports';

describe('expiry in the embedded table (DynamoDB TTL on the laptop)', () => {
  it('hands each expired item over for clean-up, then deletes it, and leaves the rest', async () => {
    // Prepare: more expired items than one step takes
    const table = new SqliteTable(':memory:');
    const now = 1_000_000;
    for (let i = 0; i < 150; i++) await table.put({ pk: 'E', sk: String(i).padStart(3, '0'), expiresAt: now - 1 - i });
    await table.put({ pk: 'L', sk: 'alive', expiresAt: now + 60 });
    await table.put({ pk: 'L', sk: 'forever' });
    const handedOver: Item[] = [];
    const ttl = startEmbeddedTtl(table, { info: jest.fn(), warn: jest.fn(), error: jest.fn() }, async (item) => void handedOver.push(item));

    // Act
    const deleted = await ttl.sweep(now);
    ttl.stop();

    // Assess
    expect(deleted).toBe(150);
    expect(handedOver).toHaveLength(150);
    expect(handedOver).toContainEqual({ pk: 'E', sk: '000', expiresAt: now - 1 });
    expect((await table.query({ pk: 'E', skPrefix: '', limit: 10 })).items).toEqual([]);
    expect(await table.get({ pk: 'L', sk: 'alive' })).toBeDefined();
    expect(await table.get({ pk: 'L', sk: 'forever' })).toBeDefined();
    table.close();
  });

  it('keeps an item written again with a later expiry while its clean-up ran', async () => {
    // Prepare
    const table = new SqliteTable(':memory:');
    await table.put({ pk: 'R', sk: 'renewed', expiresAt: 10 });
    const ttl = startEmbeddedTtl(table, { info: jest.fn(), warn: jest.fn(), error: jest.fn() }, async (item) => {
      await table.put({ ...item, expiresAt: 1_000 });
    });

    // Act
    await ttl.sweep(100);
    ttl.stop();

    // Assess
    expect(await table.get({ pk: 'R', sk: 'renewed' })).toEqual({ pk: 'R', sk: 'renewed', expiresAt: 1_000 });
    table.close();
  });
});

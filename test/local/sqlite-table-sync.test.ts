import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTable } from '../../lambdas/local/embedded/sqlite-table';

describe('the embedded table on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('syncs the commits of callers who wait together in two fsyncs at most (the one running, the next), and keeps them after a reopen', async () => {
    // Prepare
    const table = new SqliteTable(join(dir, 'table.sqlite'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => table.put({ pk: 'P', sk: `s${i}` })));

    // Act
    const waits = Array.from({ length: 20 }, () => table.synced());
    await Promise.all(waits);
    table.close();
    const reopened = new SqliteTable(join(dir, 'table.sqlite'));

    // Assess
    expect(new Set(waits).size).toBeLessThanOrEqual(2);
    expect((await reopened.query({ pk: 'P', skPrefix: 's', limit: 100 })).items).toHaveLength(20);
    reopened.close();
  });

  it('lets one table at a time use its file, so two stacks never share a data dir', () => {
    // Prepare
    const first = new SqliteTable(join(dir, 'table.sqlite'));
    first.put({ pk: 'P', sk: 'one' });

    // Act, Assess
    expect(() => new SqliteTable(join(dir, 'table.sqlite')).put({ pk: 'P', sk: 'two' })).toThrow('database is locked');
    first.close();
  });
});

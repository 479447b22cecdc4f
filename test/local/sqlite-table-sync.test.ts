import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTable } from '../../lambdas/local/embedded/sqlite-table';
import Database from 'better-sqlite3';

/** A table file in a directory of its own for each test, removed after it. */
function tableFilePerTest(): () => string {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return () => join(dir, 'table.sqlite');
}

describe('the embedded table on disk', () => {
  const tableFile = tableFilePerTest();

  it('syncs the commits of callers who wait together in two fsyncs at most (the one running, the next), and keeps them after a reopen', async () => {
    // Prepare
    const table = new SqliteTable(tableFile());
    await Promise.all(Array.from({ length: 20 }, (_, i) => table.put({ pk: 'P', sk: `s${i}` })));

    // Act
    const waits = Array.from({ length: 20 }, () => table.synced());
    await Promise.all(waits);
    table.close();
    const reopened = new SqliteTable(tableFile());

    // Assess
    expect(new Set(waits).size).toBeLessThanOrEqual(2);
    expect((await reopened.query({ pk: 'P', skPrefix: 's', limit: 100 })).items).toHaveLength(20);
    reopened.close();
  });

  it('lets one table at a time use its file, so two stacks never share a data dir', () => {
    // Prepare
    const first = new SqliteTable(tableFile());
    first.put({ pk: 'P', sk: 'one' });

    // Act, Assess
    expect(() => new SqliteTable(tableFile()).put({ pk: 'P', sk: 'two' })).toThrow('database is locked');
    first.close();
  });
});

describe('a table file made by an earlier Mailroom', () => {
  const tableFile = tableFilePerTest();

  it('keeps its layout (keyed by pk and sk, without a rowid) and serves what it holds alongside new writes', async () => {
    // Prepare: the file as it was written before, one message summary in it.
    const file = tableFile();
    const earlier = new Database(file);
    earlier.exec(`
      CREATE TABLE items (
        pk TEXT NOT NULL, sk TEXT NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL, expires_at INTEGER,
        PRIMARY KEY (pk, sk)
      ) WITHOUT ROWID;
    `);
    earlier.prepare('INSERT INTO items VALUES (?, ?, ?, ?, ?)').run('P', 'M#1', JSON.stringify({ pk: 'P', sk: 'M#1', subject: 'kept' }), 30, null);
    earlier.close();

    // Act
    const table = new SqliteTable(file);
    await table.put({ pk: 'P', sk: 'M#2', subject: 'new' });
    await table.put({ pk: 'P', sk: 'M#1', subject: 'rewritten' });
    const page = await table.query({ pk: 'P', skPrefix: 'M#', limit: 10, newestFirst: true });
    table.close();

    // Assess
    expect(page.items.map((i) => [i.sk, i.subject])).toEqual([
      ['M#2', 'new'],
      ['M#1', 'rewritten'],
    ]);
    const reopened = new Database(file, { readonly: true });
    expect(reopened.prepare("SELECT sql FROM sqlite_master WHERE name = 'items'").pluck().get()).toContain('WITHOUT ROWID');
    reopened.close();
  });

  it('is made anew in the compact layout: a row per item, found through a unique index on its key', async () => {
    // Prepare, Act
    const file = tableFile();
    const table = new SqliteTable(file);
    await table.put({ pk: 'P', sk: 'M#1', text: 'x'.repeat(3000) });
    await table.put({ pk: 'P', sk: 'M#1', text: 'y'.repeat(3000) });
    table.close();

    // Assess
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'items'").pluck().get()).not.toContain('WITHOUT ROWID');
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'items_by_key'").pluck().get()).toContain('UNIQUE');
    expect(db.prepare('SELECT count(*) FROM items').pluck().get()).toBe(1);
    db.close();
  });
});

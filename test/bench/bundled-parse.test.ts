import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLikeCdk } from '../../bench/lib/cold-bundle';
import { parseMime } from '../../lambdas/core/mail/parse-mime';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'emails');

/**
 * Lambda runs the parse module as esbuild bundles it, with its charset tables written as UTF-8 rather than escaped.
 * Mail in those charsets must read the same from the bundle as from the source.
 */
describe('the parse module as the Lambda functions bundle it', () => {
  let dir: string;
  let bundled: { parseMime: typeof parseMime };
  let source: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-bundle-'));
    const info = await bundleLikeCdk({ entry: join(ROOT, 'lambdas/core/mail/parse-mime.ts') }, dir, ROOT);
    bundled = require(info.file);
    source = readFileSync(info.file, 'utf8');
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['shift-jis-body-and-subject', 'rfc2047-encoded-headers', 'windows-1252-body', 'iso-8859-1-body'])(
    'reads %s exactly as the source does',
    async (name) => {
      const raw = readFileSync(join(FIXTURES, `${name}.eml`));
      expect(await bundled.parseMime(raw)).toEqual(await parseMime(raw));
    },
  );

  it('keeps the charset tables as UTF-8 characters, not \\u escapes', () => {
    expect(source).toMatch(/[\u3040-\u9fff]/);
  });

  it('decodes Shift_JIS through the bundled tables', async () => {
    const outcome = await bundled.parseMime(readFileSync(join(FIXTURES, 'shift-jis-body-and-subject.eml')));
    expect(outcome.message.subject).toBe('会議資料の表示について');
  });
});

import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { parseMime } from '../../lambdas/core/mail/parse-mime';
import type { Variant } from './parse-cpu';

/** The parsers measured on their own, next to the handler path. */

export const SIMPLE_PARSER = 'simpleParser (bare)';
export const SIMPLE_PARSER_OPTIONS = "simpleParser, Mailroom's options";
export const POSTAL_MIME = 'PostalMime.parse';
export const PARSE_MIME = 'parseMime (Mailroom)';

/** The options parseMime passes, without its limits (which do not change the work on these messages). */
const MAILROOM_OPTIONS = { keepCidLinks: true, skipTextToHtml: true, skipImageLinks: true } as Parameters<typeof simpleParser>[1];

export const parserVariants: Variant[] = [
  { name: SIMPLE_PARSER, run: (raw) => simpleParser(raw) },
  { name: POSTAL_MIME, run: (raw) => PostalMime.parse(raw) },
  { name: SIMPLE_PARSER_OPTIONS, run: (raw) => simpleParser(raw, MAILROOM_OPTIONS) },
  { name: PARSE_MIME, run: (raw) => parseMime(raw) },
];

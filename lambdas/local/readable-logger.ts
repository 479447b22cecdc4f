import { redacted } from '../adapters/log-redaction';
import type { Logger } from '../ports';

const LABEL = { info: 'info ', warn: 'WARN ', error: 'ERROR' } as const;

/** `npm start`'s console: time, level, message, then the fields as key=value, one line per event. */
export function readableLogger(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`), now: () => Date = () => new Date()): Logger {
  const emit = (level: keyof typeof LABEL) => (message: string, fields?: Record<string, unknown>) => {
    const pairs = Object.entries(redacted(fields))
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
    write([now().toISOString().slice(11, 23), LABEL[level], message, ...pairs].join('  '));
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

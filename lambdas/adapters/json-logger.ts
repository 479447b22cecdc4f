import type { Logger } from '../ports';
import { redacted } from './log-redaction';

/** One JSON object per line, as CloudWatch Logs Insights and log shippers read it (`npm start -- --json-logs`). */
export function jsonLogger(base: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Logger {
  const emit = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...redacted(fields) }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

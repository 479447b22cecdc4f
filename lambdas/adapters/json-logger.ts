import type { Logger } from '../ports';

/** One JSON object per line: what CloudWatch Logs Insights queries and what the local console shows. */
export function jsonLogger(base: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Logger {
  const emit = (level: string) => (message: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...fields }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** The part of smtp-server's connection class that `prompt-smtp-server.ts` builds on (not in @types/smtp-server). */
declare module 'smtp-server/lib/smtp-connection.js' {
  import type { EventEmitter } from 'node:events';

  export class SMTPConnection extends EventEmitter {
    constructor(server: unknown, socket: unknown, options: unknown);
    init(): void;
    connectionReady(next?: () => void): void;
    send(code: number, data: string, context?: unknown): void;
    name: string;
    _setListeners(callback: () => void): void;
  }
}

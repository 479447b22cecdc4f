/** Domain errors carry a code; the HTTP edge maps each code to a status in one table. */
export type ErrorCode =
  | 'validation_error'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unprocessable'
  | 'rate_limited'
  | 'upstream_failed'
  | 'internal';

export class MailroomError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'MailroomError';
  }
}

export const notFound = (what: string): MailroomError => new MailroomError('not_found', `${what} not found`);
export const invalid = (message: string, details?: Record<string, unknown>): MailroomError =>
  new MailroomError('validation_error', message, details);

/** A transaction some of whose conditions did not hold: `failed` are the indexes of those ops. Nothing was written. */
export class TransactionConditionsFailed extends MailroomError {
  constructor(readonly failed: number[]) {
    super('conflict', 'a conflicting item already exists or was changed');
  }
}

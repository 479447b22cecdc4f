/** The longest an inbox may keep its messages. */
export const MAX_RETENTION_DAYS = 3650;
/**
 * When the bucket removes raw mail under the inbound prefix whatever the table says: a message reads its raw mail
 * there for as long as it lives, so this outlasts the longest retention.
 */
export const INBOUND_BACKSTOP_DAYS = MAX_RETENTION_DAYS + 1;

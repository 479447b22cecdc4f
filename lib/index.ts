export { Mailroom, type MailroomProps } from './mailroom';
export { MailroomStack, type MailroomStackProps } from './mailroom-stack';
export { VaultKeys, type VaultKeyMode } from './constructs/vault-keys';
export { WebhookDelivery } from './constructs/webhook-delivery';
export { ExpiryCleanup } from './constructs/expiry-cleanup';
export { Sending } from './constructs/sending';

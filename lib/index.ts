export { Mailroom, type MailroomProps } from './mailroom';
export { MailroomStack, type MailroomStackProps } from './mailroom-stack';

/** The environment the construct gives Mailroom's functions, with stand-in names (for loading bundles outside AWS). */
export const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  MAILROOM_TABLE_NAME: 'mailroom',
  MAILROOM_BUCKET_NAME: 'mailroom-mail',
  MAILROOM_DOMAIN: 'mail.example.com',
  MAILROOM_EVENT_BUS_NAME: 'mailroom',
  MAILROOM_JOB_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/mailroom-jobs',
  MAILROOM_JOB_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:mailroom-jobs',
  MAILROOM_SCHEDULE_GROUP: 'mailroom-retries',
  MAILROOM_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/mailroom-scheduler',
  MAILROOM_VAULT_KEY_MODE: 'per-org',
  MAILROOM_VAULT_KEY_TAG: 'Mailroom',
  MAILROOM_API_ROLE_ARN: 'arn:aws:iam::123456789012:role/mailroom-api',
  MAILROOM_VAULT_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  MAILROOM_SES_CONFIGURATION_SET: 'mailroom-sending',
  MAILROOM_CANARY_ADDRESS: 'mailroom-canary@mail.example.com',
};

/** What the Node.js Lambda runtime puts in scope for response-streaming functions, reduced to what loading a bundle touches. */
export const STREAMING_RUNTIME_PRELUDE = 'globalThis.awslambda = { streamifyResponse: (f) => f, HttpResponseStream: { from: (s) => s } };';

import { localConfigFromEnv } from '../config';
import { startLocalStack } from './stack';

/** `npm start`: runs the local stack until Ctrl-C, then stops it without losing accepted mail. */
async function main(): Promise<void> {
  const config = localConfigFromEnv();
  const jsonLogs = process.argv.includes('--json-logs');
  const stack = await startLocalStack({ ...config, jsonLogs });
  const adminKeyLine =
    stack.adminKeySource === 'MAILROOM_ADMIN_KEY' ? 'from MAILROOM_ADMIN_KEY' : `${stack.adminKey}   (kept in ${stack.adminKeySource})`;
  // With --json-logs stdout carries only JSON lines, so the banner goes to stderr.
  (jsonLogs ? process.stderr : process.stdout).write(
    [
      '',
      'Mailroom is running',
      `  Dashboard  ${stack.apiUrl}/   (sign in with an API key)`,
      `  API        ${stack.apiUrl}/v1   (OpenAPI: ${stack.apiUrl}/v1/openapi.json)`,
      `  SMTP       ${stack.smtp.host}:${stack.smtp.port}`,
      `  Domain     ${stack.domains.join(', ')}   (mail to any address there creates its inbox)`,
      `  Admin key  ${adminKeyLine}`,
      `  Data       ${config.dataDir}   (${config.store === 'embedded' ? 'embedded stores: SQLite table, files' : 'DynamoDB Local and s3rver'}; MAILROOM_STORE=dynamodb-local for DynamoDB Local and s3rver)`,
      '',
      `  curl -H "Authorization: Bearer $(cat ${config.dataDir}/admin.key)" ${stack.apiUrl}/v1/inboxes`,
      '',
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: finishing accepted mail and stopping...\n`);
    stack.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`Mailroom could not start: ${err.message}\n`);
  process.exit(1);
});

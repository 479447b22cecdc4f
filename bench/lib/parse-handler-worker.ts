import { DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_RATE_LIMIT_PER_MINUTE } from '../../lambdas/config';
import { MetricsTally } from '../../lambdas/adapters/metrics-tally';
import { LOCAL_REGION } from '../../lambdas/local/dynamodb-local';
import { S3_LOCAL_CREDENTIALS } from '../../lambdas/local/s3-local';
import { coreDepsFor } from '../../lambdas/handlers/runtime';
import type { Logger } from '../../lambdas/ports';
import { loadWorkloads } from './parse-corpus';
import { measureHandlerPath, withOneRequestPerEvent, type WorkerMessage, type WorkerRequest } from './parse-handler';

/**
 * Child process of the parse benchmark: measures the parser handler path against backends that run
 * in the parent, so this process's CPU is the handler's own plus its AWS SDK clients', as on Lambda.
 */

/** The table and bucket names the test backends create. */
const TEST_BACKENDS_NAME = 'mailroom-test';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

process.once('message', (request: WorkerRequest) => {
  void (async () => {
    try {
      const base = coreDepsFor(
        {
          tableName: TEST_BACKENDS_NAME,
          bucketName: TEST_BACKENDS_NAME,
          ...request.settings,
          maxInlineDownloadBytes: 4 * 1024 * 1024,
          auditRetentionDays: DEFAULT_AUDIT_RETENTION_DAYS,
          rateLimitPerMinute: DEFAULT_RATE_LIMIT_PER_MINUTE,
        },
        { dynamodb: request.dynamodbEndpoint, s3: request.s3Endpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS },
        { log: quiet, metrics: new MetricsTally() },
      );
      const deps = withOneRequestPerEvent(base);
      const workloads = await loadWorkloads();
      const result = await measureHandlerPath(deps, workloads, request.plan, true, () => void send({ type: 'sample' }));
      await send({ type: 'result', result });
    } catch (err) {
      await send({ type: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
    // The SDK clients keep sockets open; nothing else is left to do.
    process.exit(0);
  })();
});

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { METRIC } from '../../lambdas/core/metric-names';

process.env.POWERTOOLS_SERVICE_NAME = 'Mailroom-test';

const context = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  functionName: 'mailroom-parser',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:mailroom-parser',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** What the functions print on Lambda (CloudWatch Logs reads stdout), one parsed JSON object per line. */
async function printed(run: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('logs and metrics on Lambda', () => {
  // Loaded after the service name is set, as a function's bundle is.
  const { lambdaTelemetry } = require('../../lambdas/adapters/aws/lambda-telemetry') as typeof import('../../lambdas/adapters/aws/lambda-telemetry');
  const handler = middy(async (event: { metrics: boolean }) => {
    lambdaTelemetry.log.info('mail ingested', { orgId: 'org_1', apiKey: 'mr_should_not_appear', attempt: { password: 'nor-this' } });
    if (event.metrics) {
      lambdaTelemetry.metrics.count(METRIC.messagesReceived, 2);
      lambdaTelemetry.metrics.milliseconds(METRIC.parseLatency, 12.5);
    }
  }).use(lambdaTelemetry.middleware);

  it('log one JSON object per line with the service, the Lambda request id and the fields, secrets redacted', async () => {
    const [line] = await printed(() => handler({ metrics: false }, context));
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'mail ingested',
      service: 'Mailroom-test',
      function_request_id: context.awsRequestId,
      orgId: 'org_1',
      apiKey: '[redacted]',
      attempt: { password: '[redacted]' },
    });
    expect(JSON.stringify(line)).not.toMatch(/should_not_appear|nor-this/);
  });

  it('print nothing more when an invocation counted nothing', async () => {
    expect(await printed(() => handler({ metrics: false }, context))).toHaveLength(1);
  });

  it('flush what an invocation counted as one CloudWatch embedded-metric-format line, dimensioned by service', async () => {
    const lines = await printed(() => handler({ metrics: true }, context));
    const emf = lines.find((l) => l._aws);
    expect(emf).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Mailroom',
            Dimensions: [['service']],
            Metrics: expect.arrayContaining([
              { Name: METRIC.messagesReceived, Unit: 'Count' },
              { Name: METRIC.parseLatency, Unit: 'Milliseconds' },
            ]),
          },
        ],
        Timestamp: expect.any(Number),
      },
      service: 'Mailroom-test',
      [METRIC.messagesReceived]: 2,
      [METRIC.parseLatency]: 12.5,
    });
    expect(await printed(() => handler({ metrics: false }, context))).toHaveLength(1);
  });
});

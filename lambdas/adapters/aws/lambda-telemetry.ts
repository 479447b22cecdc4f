import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import { METRIC_NAMESPACE } from '../../core/metric-names';
import type { Logger, Metrics } from '../../ports';
import { redacted } from '../log-redaction';

/** The service name (POWERTOOLS_SERVICE_NAME) tells deployments apart in logs and in the metrics' `service` dimension. */
const powertoolsLogger = new PowertoolsLogger();
const powertoolsMetrics = new PowertoolsMetrics({ namespace: METRIC_NAMESPACE, logger: powertoolsLogger });

const log: Logger = {
  info: (message, fields) => powertoolsLogger.info(message, redacted(fields)),
  warn: (message, fields) => powertoolsLogger.warn(message, redacted(fields)),
  error: (message, fields) => powertoolsLogger.error(message, redacted(fields)),
};

const metrics: Metrics = {
  count: (name, value = 1) => powertoolsMetrics.addMetric(name, MetricUnit.Count, value),
  milliseconds: (name, value) => powertoolsMetrics.addMetric(name, MetricUnit.Milliseconds, value),
  seconds: (name, value) => powertoolsMetrics.addMetric(name, MetricUnit.Seconds, value),
};

/**
 * Flushes the invocation's metrics as one EMF log line, only when there are some: Powertools' own middleware
 * warns on every invocation that records none, which is most API requests.
 */
const flushMetrics: middy.MiddlewareObj = {
  after: () => flush(),
  onError: () => flush(),
};

function flush(): void {
  if (powertoolsMetrics.hasStoredMetrics()) powertoolsMetrics.publishStoredMetrics();
}

/** Structured logs (with the Lambda request id) and EMF metrics for every Mailroom function. */
export const lambdaTelemetry = {
  log,
  metrics,
  /** `middy(handler).use(lambdaTelemetry.middleware)`. */
  middleware: [injectLambdaContext(powertoolsLogger, { resetKeys: true }), flushMetrics],
};

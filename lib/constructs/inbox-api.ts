import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_MEMORY_MB } from './function-memory';
import { MailroomFunction } from './mailroom-function';
import type { MessageStore } from './message-store';

export interface InboxApiProps {
  readonly store: MessageStore;
  readonly environment: Record<string, string>;
  /** Steady-state requests per second across the whole API. */
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Serves the sending routes (the only function allowed to send). */
  readonly sendHandler: MailroomFunction;
  /** Orgs may register domains of their own: the API function manages their SES identities. */
  readonly orgDomains: boolean;
}

/** Exports and live event streams run for up to this long: API Gateway allows streamed integrations 15 minutes. */
const EXPORT_TIMEOUT = Duration.minutes(15);

/**
 * The REST API: API Gateway proxies every route to one Lambda function whose internal route table
 * authenticates, validates and answers (the same handler `npm start` serves locally). Exports and live event
 * streams go to a second function running the same route table with response streaming, so they are not bounded
 * by Lambda's 6 MB response or API Gateway's 29-second buffered timeout. Waits go to a third, smaller one, as
 * they are billed for the time they spend waiting.
 */
export class InboxApi extends Construct {
  public readonly handler: MailroomFunction;
  public readonly exportHandler: MailroomFunction;
  public readonly waitHandler: MailroomFunction;
  public readonly restApi: apigateway.LambdaRestApi;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: InboxApiProps) {
    super(scope, id);
    this.handler = new MailroomFunction(this, 'Handler', {
      handler: 'api',
      description: 'Mailroom: REST API',
      environment: props.environment,
    });
    props.store.table.grantReadWriteData(this.handler);
    props.store.grantMailObjects(this.handler, { write: true });
    if (props.orgDomains) {
      this.handler.addToRolePolicy(
        new iam.PolicyStatement({
          // TagResource: identities are created with the org they are for as a tag.
          actions: ['ses:CreateEmailIdentity', 'ses:TagResource', 'ses:GetEmailIdentity', 'ses:DeleteEmailIdentity'],
          resources: [Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
        }),
      );
      Validations.of(this.handler.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        reason: 'Orgs register domains of their own at run time, so their SES identities are not known when the stack is deployed; the API checks that a domain is free and not one of the deployment’s own before it creates one.',
      });
    }
    this.exportHandler = new MailroomFunction(this, 'ExportHandler', {
      handler: 'export',
      description: 'Mailroom: REST API, streamed exports and live events',
      environment: props.environment,
      timeout: EXPORT_TIMEOUT,
    });
    // Read-write: every request, exports included, counts against its key's rate limit.
    props.store.table.grantReadWriteData(this.exportHandler);
    props.store.grantMailObjects(this.exportHandler, { write: false });
    this.waitHandler = new MailroomFunction(this, 'WaitHandler', {
      handler: 'wait',
      description: 'Mailroom: REST API, waits for mail',
      environment: props.environment,
      memorySize: FUNCTION_MEMORY_MB.wait,
    });
    // A wait reads the table; like every request, it writes its count against the key's rate limit.
    props.store.table.grantReadWriteData(this.waitHandler);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.logRemovalPolicy,
    });
    this.restApi = new apigateway.LambdaRestApi(this, 'RestApi', {
      handler: this.handler,
      proxy: true,
      description: 'Mailroom REST API',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Raw messages and attachments are returned as bytes, whatever the client accepts.
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        stageName: 'live',
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        // Execution logs for errors only; request and response bodies (mail, keys) are never logged.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
      },
    });
    this.routeToOwnFunctions(props.sendHandler);
    const acknowledge = (id: string, reason: string) => Validations.of(this.restApi).acknowledge({ id, reason });
    acknowledge('AwsSolutions-APIG2', 'Every route validates its path, query and body with the same zod schemas that generate openapi.json, inside the handler, and answers in the API error envelope.');
    acknowledge('AwsSolutions-APIG4', 'Requests are authenticated in the handler with Mailroom API keys (stored only as SHA-256 hashes); only health and openapi.json are public, as the API contract says.');
    acknowledge('AwsSolutions-COG4', 'Clients are programs and agents holding Mailroom API keys, not Cognito users.');
    acknowledge('AwsSolutions-APIG3', 'A WAF web ACL is an account-level choice with its own cost; associate one with restApi.deploymentStage if you need it.');
    acknowledge(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-wide logging role uses the AWS managed policy made for exactly that purpose.",
    );
  }

  /**
   * Exports and live events go to the streaming function, waits to the waiting one and sends to the sending function. Every
   * resource on the way also proxies to the main function (itself and, where the level allows a greedy child,
   * everything below), so no other route depends on API Gateway falling back to the root proxy. API Gateway
   * prefers a resource's own method (POST) to its ANY.
   */
  private routeToOwnFunctions(sendHandler: MailroomFunction): void {
    const root = this.restApi.root;
    // The proxying root refuses addResource; a Resource made directly under it is allowed.
    const v1 = new apigateway.Resource(root, 'v1', { parent: root, pathPart: 'v1' });
    v1.addProxy();
    const streaming = new apigateway.LambdaIntegration(this.exportHandler, { responseTransferMode: apigateway.ResponseTransferMode.STREAM, timeout: EXPORT_TIMEOUT });
    const events = v1.addResource('events');
    events.addMethod('ANY');
    events.addMethod('GET', streaming);
    const inboxes = v1.addResource('inboxes');
    inboxes.addMethod('ANY');
    const inbox = inboxes.addResource('{inboxId}');
    inbox.addMethod('ANY');
    inbox.addProxy();
    inbox.addResource('export').addMethod('GET', streaming);
    const wait = inbox.addResource('wait');
    wait.addMethod('ANY');
    wait.addMethod('POST', new apigateway.LambdaIntegration(this.waitHandler));
    const sending = new apigateway.LambdaIntegration(sendHandler);
    const messages = inbox.addResource('messages');
    messages.addMethod('ANY');
    messages.addMethod('POST', sending);
    const message = messages.addResource('{messageId}');
    message.addMethod('ANY');
    message.addProxy();
    message.addResource('reply').addMethod('POST', sending);
  }

  /** The base URL clients call, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/live/` (routes start with `v1/`). */
  public get url(): string {
    return this.restApi.url;
  }
}

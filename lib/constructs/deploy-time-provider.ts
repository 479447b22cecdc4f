import { type CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { MailroomFunction } from './mailroom-function';

/**
 * The CloudFormation custom-resource provider (CDK's Provider framework) around one of Mailroom's
 * deploy-time functions, with logs that expire and the framework's own permissions explained.
 */
export class DeployTimeProvider extends Construct {
  public readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, onEvent: MailroomFunction) {
    super(scope, id);
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });
    const stack = Stack.of(this);
    const onEventArn = `<${stack.resolve(stack.getLogicalId(onEvent.node.defaultChild as CfnElement))}.Arn>`;
    Validations.of(this.provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The CDK Provider framework's own function uses the basic execution policy, which only allows writing its logs.",
    });
    Validations.of(this.provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${onEventArn}:*]`,
      reason: 'The Provider framework may invoke any version of the one Mailroom function it fronts, which the wildcard expresses.',
    });
  }

  public get serviceToken(): string {
    return this.provider.serviceToken;
  }
}

import { SESClient } from '@aws-sdk/client-ses';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { onRuleSetActivationEvent, type RuleSetActivationProperties } from '../adapters/aws/receipt-rule-set-activation';

const ses = new SESClient({});

/** CloudFormation custom resource (CDK Provider onEvent): activates Mailroom's receipt rule set; throwing fails the resource. */
export const handler = middy((event: CloudFormationCustomResourceEvent<RuleSetActivationProperties>) => onRuleSetActivationEvent(ses, event));

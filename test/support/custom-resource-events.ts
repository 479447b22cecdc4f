import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';

/** The parts of a custom-resource request that the handlers ignore, as CloudFormation fills them in. */
const common = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:mailroom-provider',
  ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/response',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/mailroom/00000000-0000-0000-0000-000000000000',
  RequestId: 'request-1',
  LogicalResourceId: 'Resource',
  ResourceType: 'Custom::Mailroom',
};
const withToken = <P extends object>(props: P) => ({ ...props, ServiceToken: common.ServiceToken });

export const createEvent = <P extends object>(props: P): CloudFormationCustomResourceCreateEvent<P> => ({
  ...common,
  RequestType: 'Create',
  ResourceProperties: withToken(props),
});

export const updateEvent = <P extends object>(physicalId: string, props: P, oldProps: P): CloudFormationCustomResourceUpdateEvent<P> => ({
  ...common,
  RequestType: 'Update',
  PhysicalResourceId: physicalId,
  ResourceProperties: withToken(props),
  OldResourceProperties: withToken(oldProps),
});

export const deleteEvent = <P extends object>(physicalId: string, props: P): CloudFormationCustomResourceDeleteEvent<P> => ({
  ...common,
  RequestType: 'Delete',
  PhysicalResourceId: physicalId,
  ResourceProperties: withToken(props),
});

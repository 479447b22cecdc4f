import { Match } from 'aws-cdk-lib/assertions';
import { mailroomStack } from './synth';

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (template: { toJSON(): any }, type: string): [string, Resource][] =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);

describe('the web dashboard on AWS', () => {
  const template = mailroomStack().template();
  const s3Methods = () => resourcesOf(template, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties.Integration?.Type === 'AWS');

  it('is built into a private, encrypted, TLS-only bucket of its own, replaced wholesale on each deployment', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { LogFilePrefix: 'dashboard/', DestinationBucketName: Match.anyValue() },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('DashboardAssets') },
      Prune: true,
    });
  });

  it('is served by the API stage itself: GET / and GET /assets/{file} read the bucket through a role that may only read it', () => {
    const methods = s3Methods();
    expect(methods).toHaveLength(2);
    const uris = methods.map(([, m]) => JSON.stringify(m.Properties.Integration.Uri));
    expect(uris.some((u) => u.includes('/index.html'))).toBe(true);
    expect(uris.some((u) => u.includes('/assets/{file}'))).toBe(true);
    for (const [, method] of methods) {
      expect(method.Properties.HttpMethod).toBe('GET');
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(method.Properties.Integration.Credentials).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/DashboardReadAssets/), 'Arn'] });
    }
    const [[, policy]] = resourcesOf(template, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes('DashboardReadAssets'));
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions.every((a: string) => /^s3:(Get|List)/.test(a))).toBe(true);
  });

  it('answers with a strict Content-Security-Policy and no sniffing or framing, and a missing file as 404', () => {
    for (const [, method] of s3Methods()) {
      const [ok, missing] = method.Properties.Integration.IntegrationResponses;
      expect(ok.ResponseParameters).toMatchObject({
        'method.response.header.X-Content-Type-Options': "'nosniff'",
        'method.response.header.X-Frame-Options': "'DENY'",
        'method.response.header.Content-Type': 'integration.response.header.Content-Type',
      });
      // The policy names the mail bucket, where the API's download links for large attachments point.
      const [, parts] = ok.ResponseParameters['method.response.header.Content-Security-Policy']['Fn::Join'];
      const policy = parts.map((p: unknown) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('');
      expect(policy).toMatch(/^'default-src 'self'; script-src 'self';/);
      expect(policy).toMatch(/connect-src 'self' https:\/\/<.*MailroomStoreMail.*RegionalDomainName.*> https:\/\/<.*MailroomStoreMail.*>\.s3\.amazonaws\.com;/);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(missing).toMatchObject({ StatusCode: '404', SelectionPattern: '4\\d\\d' });
    }
  });

  it('lets pages read the mail bucket through presigned download links (GET only)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'mail/', DestinationBucketName: Match.anyValue() },
      CorsConfiguration: { CorsRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'], MaxAge: 3600 }] },
    });
  });

  it('can be left out', () => {
    const without = mailroomStack({ dashboard: false }).template();
    expect(resourcesOf(without, 'Custom::CDKBucketDeployment')).toEqual([]);
    expect(resourcesOf(without, 'AWS::ApiGateway::Method').filter(([, m]) => m.Properties.Integration?.Type === 'AWS')).toEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { AssetHashType, DockerImage, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { DASHBOARD_SECURITY_HEADERS, dashboardContentSecurityPolicy } from '../../lambdas/http/dashboard-headers';

const WEB_DIR = path.join(__dirname, '..', '..', 'web');

export interface DashboardSiteProps {
  /** The REST API whose origin serves the page, so the page talks only to its own origin. */
  readonly restApi: apigateway.RestApi;
  readonly accessLogsBucket: s3.IBucket;
  /** Where the API's presigned download links point: the page's script must be allowed to fetch from it. */
  readonly mailBucket: s3.IBucket;
}

/**
 * The dashboard on AWS: Vite builds `web/` at synth time (locally, no Docker) into a private bucket, and the API's
 * own stage serves it — `GET /` and `GET /assets/{file}` read the bucket through API Gateway's S3 integration —
 * so the page and the API share one origin and the page's Content-Security-Policy can say `connect-src 'self'`.
 */
export class DashboardSite extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly deployment: s3deploy.BucketDeployment;
  private readonly contentSecurityPolicy: string;

  constructor(scope: Construct, id: string, props: DashboardSiteProps) {
    super(scope, id);
    // The SDK presigns virtual-hosted URLs: the regional name, or the global one in us-east-1.
    const mail = props.mailBucket;
    this.contentSecurityPolicy = dashboardContentSecurityPolicy([`https://${mail.bucketRegionalDomainName}`, `https://${mail.bucketName}.s3.amazonaws.com`]);
    // Built files only: rebuilt by every deployment, so nothing here needs keeping.
    this.bucket = new s3.Bucket(this, 'Assets', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'dashboard/',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [builtDashboard()],
      destinationBucket: this.bucket,
      prune: true,
      retainOnDelete: false,
      memoryLimit: 256,
      logGroup: new logs.LogGroup(this, 'DeployLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });

    const reader = new iam.Role(this, 'ReadAssets', { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
    reader.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects('index.html'), this.bucket.arnForObjects('assets/*')] }));
    const root = props.restApi.root;
    const index = new apigateway.Method(this, 'Index', { resource: root, httpMethod: 'GET', ...this.fromBucket(reader, 'index.html', 'no-cache') });
    // The proxying root refuses addResource; a Resource made directly under it is allowed.
    const assets = new apigateway.Resource(this, 'AssetsResource', { parent: root, pathPart: 'assets' });
    // Built file names carry a content hash, so they may be cached for good; the page itself may not.
    const asset = this.fromBucket(reader, 'assets/{file}', 'public, max-age=31536000, immutable');
    const file = assets.addResource('{file}').addMethod('GET', asset.integration, { ...asset.options, requestParameters: { 'method.request.path.file': true } });
    this.acknowledge([index, file, reader, this.deployment]);
  }

  private acknowledge([index, file, reader, deployment]: [apigateway.Method, apigateway.Method, iam.Role, s3deploy.BucketDeployment]): void {
    for (const method of [index, file]) {
      const open = 'The page and its built assets are public by design: they hold no data, and every API call the page makes carries the API key its user pastes.';
      Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason: open });
      Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: open });
    }
    const bucketArn = Stack.of(this).resolve(this.bucket.bucketArn)['Fn::GetAtt'][0];
    Validations.of(reader).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketArn}.Arn>/assets/*]`,
      reason: 'API Gateway reads the built assets, whose names carry a content hash; the role can read nothing else.',
    });
    // CDK's BucketDeployment runs one function per stack, at deploy time only, to copy the built files.
    const copier = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    const deployTime = 'CDK’s BucketDeployment function, which copies the built dashboard at deploy time';
    for (const scope of [deployment, ...(copier ? [copier] : [])]) {
      Validations.of(scope).acknowledge({ id: 'AwsSolutions-L1', reason: `${deployTime}, runs the runtime CDK pins for it.` });
      Validations.of(scope).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${deployTime}, writes its logs with the basic execution policy.`,
      });
      for (const finding of ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*', `Resource::<${bucketArn}.Arn>/*`]) {
        Validations.of(scope).acknowledge({
          id: `AwsSolutions-IAM5[${finding}]`,
          reason: `${deployTime}, reads the staged asset and replaces every object in the dashboard's own bucket; CDK scopes it to those two buckets.`,
        });
      }
      Validations.of(scope).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        reason: `${deployTime}, reads the staged build from the CDK asset bucket, whose object keys are content hashes.`,
      });
    }
  }

  /** An S3 GetObject of `key` as a method: content type passed through, security headers added, S3's 403/404 as 404. */
  private fromBucket(reader: iam.IRole, key: string, cacheControl: string): { integration: apigateway.Integration; options: apigateway.MethodOptions } {
    const headers = {
      'method.response.header.Content-Type': 'integration.response.header.Content-Type',
      'method.response.header.Content-Security-Policy': `'${this.contentSecurityPolicy}'`,
      'method.response.header.X-Content-Type-Options': `'${DASHBOARD_SECURITY_HEADERS['x-content-type-options']}'`,
      'method.response.header.Referrer-Policy': `'${DASHBOARD_SECURITY_HEADERS['referrer-policy']}'`,
      'method.response.header.X-Frame-Options': `'${DASHBOARD_SECURITY_HEADERS['x-frame-options']}'`,
      'method.response.header.Cache-Control': `'${cacheControl}'`,
    };
    const integration = new apigateway.AwsIntegration({
      service: 's3',
      integrationHttpMethod: 'GET',
      path: `${this.bucket.bucketName}/${key}`,
      options: {
        credentialsRole: reader,
        requestParameters: key.includes('{file}') ? { 'integration.request.path.file': 'method.request.path.file' } : {},
        integrationResponses: [
          { statusCode: '200', responseParameters: headers },
          { statusCode: '404', selectionPattern: '4\\d\\d', responseTemplates: { 'application/json': '{"error":{"code":"not_found","message":"no such file"}}' } },
        ],
      },
    });
    const responseParameters = Object.fromEntries(Object.keys(headers).map((h) => [h, true]));
    return { integration, options: { methodResponses: [{ statusCode: '200', responseParameters }, { statusCode: '404' }] } };
  }
}

/** web/ built by Vite into the asset's output directory, on this machine. */
function builtDashboard(): s3deploy.ISource {
  return s3deploy.Source.asset(WEB_DIR, {
    exclude: ['dist', 'node_modules'],
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Only if local bundling failed; Mailroom needs no Docker.
      image: DockerImage.fromRegistry('node:24-slim'),
      local: {
        tryBundle(outputDir: string): boolean {
          const build = spawnSync('npx', ['vite', 'build', WEB_DIR, '--outDir', outputDir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
          return build.status === 0;
        },
      },
    },
  });
}

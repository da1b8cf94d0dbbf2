import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The object the apps read the user pool's public signing keys from. */
export const JWKS_OBJECT_KEY = 'jwks.json';

/**
 * The mirror's handler (Node.js Lambda runtime, which ships the AWS SDK v3): on stack create and
 * update it fetches the user pool's public JWKS and stores it unchanged in the bucket; then it
 * answers CloudFormation. Exported so the spec runs this very text.
 */
export const JWKS_MIRROR_HANDLER = `'use strict';
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({});
exports.handler = async (event) => {
  const p = event.ResourceProperties;
  let status = 'SUCCESS';
  let reason = 'copied';
  try {
    if (event.RequestType !== 'Delete') {
      const res = await fetch(p.JwksUrl, { signal: AbortSignal.timeout(10000) });
      if (!res.ok) throw new Error('GET ' + p.JwksUrl + ' answered ' + res.status);
      const body = await res.text();
      const keys = JSON.parse(body).keys;
      if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => k.d || k.p || k.q))
        throw new Error(p.JwksUrl + ' holds no public key set');
      await s3.send(new PutObjectCommand({
        Bucket: p.Bucket, Key: p.Key, Body: body,
        ContentType: 'application/json', CacheControl: 'max-age=300',
      }));
      console.log(JSON.stringify({ copied: p.JwksUrl, kids: keys.map((k) => k.kid) }));
    }
  } catch (error) {
    status = 'FAILED';
    reason = String((error && error.message) || error).slice(0, 500);
    console.error(JSON.stringify({ failed: p.JwksUrl, reason }));
  }
  const answer = JSON.stringify({
    Status: status, Reason: reason,
    PhysicalResourceId: event.PhysicalResourceId || p.Bucket + '/' + p.Key,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
  });
  const put = await fetch(event.ResponseURL, { method: 'PUT', body: answer, headers: { 'content-type': '' } });
  if (!put.ok) throw new Error('CloudFormation response refused: ' + put.status);
};
`;

/** Options of {@link JwksMirror}. */
export interface JwksMirrorProps {
  /** The issuer whose `/.well-known/jwks.json` is copied. */
  readonly issuer: string;
  /** The VPC's S3 gateway endpoint: the only way the object can be read. */
  readonly s3Endpoint: { readonly vpcEndpointId: string };
  /** Where the bucket's server access logs go. */
  readonly accessLogs: s3.IBucket;
  /** Encrypts the function's log group. */
  readonly logsKey: kms.IKey;
}

/**
 * A copy of the user pool's public signing keys inside the VPC's reach. The apps run in isolated
 * subnets (no NAT), and a user pool with a hosted UI domain cannot be reached through an
 * interface endpoint, so they cannot fetch the issuer's JWKS. A function outside the VPC copies
 * it, at every deployment, into a bucket the apps read through the S3 gateway endpoint, and
 * nowhere else; only that function may write it.
 */
export class JwksMirror extends Construct {
  readonly bucket: s3.Bucket;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /** What the apps set as CLINIC_OIDC_JWKS_URL. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: JwksMirrorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // SSE-S3, not KMS: the apps read it unsigned (a JWKS is public by design), and S3 refuses
    // unsigned reads of KMS-encrypted objects.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'jwks-mirror/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const objectArn = this.bucket.arnForObjects(JWKS_OBJECT_KEY);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      description: 'Copies the user pool JWKS into the mirror bucket',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Write the mirrored JWKS and the function logs, nothing else',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ sid: 'WriteJwks', actions: ['s3:PutObject'], resources: [objectArn] }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${logGroup.logGroupArn}:log-stream:*`],
        }),
      ],
    });

    // Outside the VPC on purpose: the isolated subnets have no route to the public issuer.
    this.function = new lambda.Function(this, 'Function', {
      description: 'Copies the Cognito user pool JWKS for the apps in the isolated subnets',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(JWKS_MIRROR_HANDLER),
      timeout: Duration.seconds(30),
      memorySize: 128,
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup,
    });

    // Reads: anyone, but only through this VPC's gateway endpoint (S3 counts that as not public).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AppsReadThroughGatewayEndpoint',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [objectArn],
        conditions: { StringEquals: { 'aws:SourceVpce': props.s3Endpoint.vpcEndpointId } },
      }),
    );
    // Writes: the mirror function only. Whoever could replace these keys could mint tokens.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheMirrorWrites',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.role.roleArn } },
      }),
    );

    const copy = new CustomResource(this, 'Copy', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::JwksMirror',
      properties: {
        JwksUrl: `${props.issuer}/.well-known/jwks.json`,
        Bucket: this.bucket.bucketName,
        Key: JWKS_OBJECT_KEY,
      },
    });
    copy.node.addDependency(this.bucket.policy!);
    copy.node.addDependency(policy);
    this.url = `https://${this.bucket.bucketRegionalDomainName}/${JWKS_OBJECT_KEY}`;
  }
}

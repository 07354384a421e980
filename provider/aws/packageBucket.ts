/**
 * An S3 bucket for application packages: every kind of public access blocked, objects encrypted at
 * rest (SSE-S3), bucket-owner-enforced ownership (no ACLs). The account host's role may use it.
 */
import * as s3 from "@pulumi/aws/s3/index.js";
import * as pulumi from "@pulumi/pulumi";

export interface AwsPackageBucketArgs {
  /** Default: generated from the component name (S3 names are global). */
  bucketName?: string;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AwsPackageBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: AwsPackageBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:aws:PackageBucket", name, {}, opts);
    const parent = { parent: this };
    const bucket = new s3.Bucket(
      `${name}-bucket`,
      { ...(args.bucketName ? { bucket: args.bucketName } : {}), forceDestroy: false, tags: args.tags },
      parent,
    );
    new s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      parent,
    );
    new s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}

/**
 * The example's resources, declared once for its Pulumi program (index.ts, settings from
 * `pulumi config`) and for examples/automation's inline program: an account (a daemon on this
 * machine), a test certificate, an application with one package built from `app/`, and a pool that
 * has both and is ready (its nodes idle) when the apply returns.
 */
import * as pulumi from "@pulumi/pulumi";
import { Account, Application, ApplicationPackage, Certificate, Pool } from "../../provider/index.js";
import { exampleCertificateData, packageArchive } from "./artifacts.js";

export interface LocalBatchSettings {
  /** The account's data directory (default `~/.openbatch/pulumi/<project>-<stack>-local`). */
  dataDir?: string;
  /** Where the certificate and the package archive are made (default `build`). */
  buildDir: string;
  /** The application's files (default `app`). */
  appDir: string;
  /** The test certificate's pfx password. */
  certificatePassword: string;
  nodeCount: number;
  vmSize: string;
}

/** The settings from the stack's config (`pulumi config set nodeCount 3`), with the defaults. */
export function settingsFromConfig(config = new pulumi.Config()): LocalBatchSettings {
  return {
    dataDir: config.get("dataDir"),
    buildDir: config.get("buildDir") ?? "build",
    appDir: config.get("appDir") ?? "app",
    certificatePassword: config.get("certificatePassword") ?? "openbatch-example",
    nodeCount: config.getNumber("nodeCount") ?? 2,
    vmSize: config.get("vmSize") ?? "standard_d2s_v3",
  };
}

export function localBatch(settings: LocalBatchSettings) {
  const account = new Account("local", { cloud: "local", dataDir: settings.dataDir, retainData: false });

  const certificate = new Certificate("example", {
    account,
    data: exampleCertificateData(settings.buildDir, settings.certificatePassword),
    password: settings.certificatePassword,
    certificateFormat: "pfx",
  });

  const application = new Application("hello", { account, displayName: "Hello" });
  const helloPackage = new ApplicationPackage("hello-1.0", {
    account,
    applicationId: application.applicationId,
    version: "1.0",
    archivePath: packageArchive(settings.appDir, settings.buildDir, "hello-1.0"),
    isDefault: true,
  });

  const pool = new Pool("workers", {
    account,
    vmSize: settings.vmSize,
    scaleSettings: { fixedScale: { targetDedicatedNodes: settings.nodeCount } },
    certificates: [{ thumbprint: certificate.thumbprint, visibility: ["starttask", "task"] }],
    // No version: the application's default (the package above), as $AZ_BATCH_APP_PACKAGE_hello.
    applicationPackages: [{ id: helloPackage.applicationId }],
    startTask: {
      commandLine: "/bin/sh -c 'test -x \"$AZ_BATCH_APP_PACKAGE_hello/hello.sh\"'",
      waitForSuccess: true,
    },
  });

  return {
    /** Where the CLI and `@azure/batch` reach the account, with `accountName` and `primaryKey`. */
    endpoint: account.endpoint,
    accountName: account.accountName,
    primaryKey: account.primaryKey,
    dataDir: account.dataDir,
    poolId: pool.poolName,
    poolCreationTime: pool.creationTime,
    certificateThumbprint: certificate.thumbprint,
    applicationPackage: pulumi.interpolate`${helloPackage.applicationId} ${helloPackage.version} sha256:${helloPackage.sha256}`,
  };
}

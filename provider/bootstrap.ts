/**
 * The boot scripts of cloud machines, rendered as plain text (pure: no Pulumi, no I/O).
 *
 * One generator serves both clouds: a bash script, which cloud-init runs as Azure custom data and as
 * EC2 user data alike. It installs Node from the official nodejs.org tarball of a pinned version
 * whose SHA-256 is checked (distro packages are too old: Ubuntu 24.04 ships Node 18, the agent needs
 * 20), then either the node agent (from the account's bundle) or the account service (from npm), each
 * as a systemd unit whose secrets live in a root-only (0600) environment file.
 *
 * Quoting: every value that comes from an input reaches the machine through exactly two encodings —
 * `shellQuote` for the bash script and `systemdEnvironmentValue` for the environment file — and the
 * units' command lines hold only constants and `${VAR}` references (systemd passes each one as a
 * single argument), so no input can inject a flag, a command or a line.
 */
import { ID_REGEX } from "../protocol/apiVersion.js";

/** The Node release installed on machines (satisfies the package's `engines`: >= 20.19). */
export const NODE_VERSION = "20.19.5";

/** SHA-256 of `node-v<NODE_VERSION>-linux-<arch>.tar.xz` from nodejs.org's SHASUMS256.txt. */
export const NODE_TARBALL_SHA256 = {
  x64: "315046739a513a70e03a4a55a8afda8cf979f30852e576075c340084e3f8ac0f",
  arm64: "d462267863ae8ee556039ebdf559055a8ec562c633889ef1403f3adb449ba1dd",
} as const;

/** Where Node is unpacked on a machine; its `bin/` is first on the units' PATH. */
export const NODE_HOME = "/opt/nodejs";
export const AGENT_UNIT = "openbatch-agent.service";
export const SERVICE_UNIT = "openbatch-service.service";
export const AGENT_ENV_FILE = "/etc/openbatch/agent.env";
export const SERVICE_ENV_FILE = "/etc/openbatch/service.env";
/** The agent bundle is unpacked here; `current` points at the directory holding `bin/openbatch-agent`. */
export const AGENT_HOME = "/opt/openbatch-agent";
export const AGENT_ROOT = "/var/lib/openbatch-agent";
export const SERVICE_DATA_DIR = "/var/lib/openbatch";

export type Cloud = "azure" | "aws";

export interface NodeBootstrapOptions {
  cloud: Cloud;
  /** The account service's HTTP(S) endpoint as nodes reach it, e.g. `http://10.20.0.10:8765`. */
  accountEndpoint: string;
  poolId: string;
  /** The pool's join token (a secret: the rendered script must only ever travel as a secret). */
  joinToken: string;
}

export interface ServiceBootstrapOptions {
  cloud: Cloud;
  accountName: string;
  /** The account's shared key (a secret, like the join token). */
  accountKey: string;
  port: number;
  /** An npm install spec for the `openbatch` package, e.g. `openbatch@0.1.0` or a tarball URL. */
  packageSpec: string;
  /** Prefix of the scale sets / Auto Scaling groups the service scales (`<prefix><poolId>`). */
  groupPrefix: string;
  /** Azure only. */
  azureSubscriptionId?: string;
  /** Azure only. */
  azureResourceGroup?: string;
  /** AWS only. */
  awsRegion?: string;
}

/** Quotes a value for bash as one word (single quotes; an embedded `'` becomes `'\''`). */
export function shellQuote(value: string): string {
  refuseNul(value);
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * Encodes a value for a systemd `EnvironmentFile` line: double quotes, in which systemd, like POSIX
 * sh, gives `\`, `"`, `$` and `` ` `` a meaning, so those are escaped; newlines are kept verbatim.
 */
export function systemdEnvironmentValue(value: string): string {
  refuseNul(value);
  return `"${value.replace(/[\\"$`]/g, (character) => `\\${character}`)}"`;
}

/** The agent's WebSocket URL and bundle URL for an account endpoint. */
export function agentUrls(accountEndpoint: string): { serviceUrl: string; bundleUrl: string } {
  let url: URL;
  try {
    url = new URL(accountEndpoint);
  } catch {
    throw new Error(`accountEndpoint '${accountEndpoint}' is not a URL; give http(s)://HOST:PORT`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`accountEndpoint '${accountEndpoint}' must start with http:// or https://`);
  }
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  return {
    serviceUrl: `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}${url.pathname.replace(/\/+$/, "")}/openbatch/agent`,
    bundleUrl: `${base}/openbatch/agent/bundle.tar.gz`,
  };
}

/** The boot script of a pool node: Node, the agent bundle, its env file and unit. */
export function renderNodeBootstrap(options: NodeBootstrapOptions): string {
  if (!ID_REGEX.test(options.poolId)) {
    throw new Error(`poolId '${options.poolId}' is not a valid pool id; use 1-64 letters, digits, _ or -`);
  }
  if (options.joinToken === "") throw new Error("joinToken is empty; give the pool's join token");
  const { serviceUrl, bundleUrl } = agentUrls(options.accountEndpoint);
  const environment = environmentFile({
    OPENBATCH_SERVICE_URL: serviceUrl,
    OPENBATCH_POOL_ID: options.poolId,
    OPENBATCH_JOIN_TOKEN: options.joinToken,
  });
  return [
    ...prologue("pool node agent"),
    installNode(),
    section("the agent bundle, from the account service (retried until the service answers)"),
    `BUNDLE_URL=${shellQuote(bundleUrl)}`,
    `rm -rf ${AGENT_HOME}/bundle && install -d -m 0755 ${AGENT_HOME}/bundle`,
    `curl -fsSL --retry 60 --retry-delay 10 --retry-all-errors -o ${AGENT_HOME}/bundle.tar.gz "$BUNDLE_URL"`,
    `tar -xzf ${AGENT_HOME}/bundle.tar.gz -C ${AGENT_HOME}/bundle --no-same-owner`,
    `AGENT_BIN=$(find ${AGENT_HOME}/bundle -maxdepth 3 -path '*/bin/openbatch-agent' -type f | head -n 1)`,
    `[ -n "$AGENT_BIN" ] || { echo "the bundle from $BUNDLE_URL has no bin/openbatch-agent" >&2; exit 1; }`,
    `ln -sfn "$(dirname "$(dirname "$AGENT_BIN")")" ${AGENT_HOME}/current`,
    section("the machine id the service knows this machine by"),
    machineIdCommand(options.cloud),
    `case "$MACHINE_ID" in ''|*[!A-Za-z0-9_.-]*) echo "unexpected machine id '$MACHINE_ID'" >&2; exit 1;; esac`,
    section("the join token stays in a root-only file read by systemd, never on a command line"),
    writeEnvironmentFile(AGENT_ENV_FILE, `${environment}OPENBATCH_MACHINE_ID=$MACHINE_ID`),
    writeUnit(AGENT_UNIT, {
      description: "OpenBatch node agent",
      environmentFile: AGENT_ENV_FILE,
      execStart:
        `${AGENT_HOME}/current/bin/openbatch-agent --service-url \${OPENBATCH_SERVICE_URL} ` +
        `--pool-id \${OPENBATCH_POOL_ID} --machine-id \${OPENBATCH_MACHINE_ID} --root ${AGENT_ROOT}`,
    }),
    `install -d -m 0755 ${AGENT_ROOT}`,
    startUnit(AGENT_UNIT),
  ].join("\n");
}

/** The boot script of the account host: Node, the `openbatch` package, the service's env file and unit. */
export function renderServiceBootstrap(options: ServiceBootstrapOptions): string {
  if (!/^[a-z0-9]{3,24}$/.test(options.accountName)) {
    throw new Error(`accountName '${options.accountName}' must be 3 to 24 lower-case letters and digits`);
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new Error(`port ${options.port} is not a TCP port; give 1-65535`);
  }
  if (options.accountKey === "") throw new Error("accountKey is empty; give the account's key");
  if (options.packageSpec === "") throw new Error("packageSpec is empty; give e.g. openbatch@0.1.0");
  const provisioner = provisionerEnvironment(options);
  const environment = environmentFile({
    OPENBATCH_ACCOUNT_NAME: options.accountName,
    OPENBATCH_ACCOUNT_KEY: options.accountKey,
    OPENBATCH_PORT: String(options.port),
    OPENBATCH_CONFIG: `${SERVICE_DATA_DIR}/config.json`,
    ...provisioner.environment,
  });
  return [
    ...prologue("account service"),
    installNode(),
    section("the openbatch package"),
    `npm install --global --no-audit --no-fund ${shellQuote(options.packageSpec)}`,
    section("the account key stays in a root-only file read by systemd, never on a command line"),
    writeEnvironmentFile(SERVICE_ENV_FILE, environment.trimEnd()),
    writeUnit(SERVICE_UNIT, {
      description: "OpenBatch account service",
      environmentFile: SERVICE_ENV_FILE,
      execStart:
        `${NODE_HOME}/bin/openbatch service start --host 0.0.0.0 --port \${OPENBATCH_PORT} ` +
        `--data-dir ${SERVICE_DATA_DIR} --account-name \${OPENBATCH_ACCOUNT_NAME} ${provisioner.flags}`,
    }),
    `install -d -m 0700 ${SERVICE_DATA_DIR}`,
    startUnit(SERVICE_UNIT),
  ].join("\n");
}

function provisionerEnvironment(options: ServiceBootstrapOptions): {
  environment: Record<string, string>;
  flags: string;
} {
  const prefix = { OPENBATCH_GROUP_PREFIX: options.groupPrefix };
  if (options.cloud === "azure") {
    if (!options.azureSubscriptionId || !options.azureResourceGroup) {
      throw new Error("an Azure account host needs azureSubscriptionId and azureResourceGroup");
    }
    return {
      environment: {
        ...prefix,
        OPENBATCH_AZURE_SUBSCRIPTION_ID: options.azureSubscriptionId,
        OPENBATCH_AZURE_RESOURCE_GROUP: options.azureResourceGroup,
      },
      flags:
        `--provisioner azure --azure-subscription-id \${OPENBATCH_AZURE_SUBSCRIPTION_ID} ` +
        `--azure-resource-group \${OPENBATCH_AZURE_RESOURCE_GROUP} --scale-set-prefix \${OPENBATCH_GROUP_PREFIX}`,
    };
  }
  if (!options.awsRegion) throw new Error("an AWS account host needs awsRegion");
  return {
    environment: { ...prefix, OPENBATCH_AWS_REGION: options.awsRegion },
    flags: `--provisioner aws --aws-region \${OPENBATCH_AWS_REGION} --auto-scaling-group-prefix \${OPENBATCH_GROUP_PREFIX}`,
  };
}

function prologue(role: string): string[] {
  return [
    "#!/bin/bash",
    `# OpenBatch ${role} boot script, rendered by provider/bootstrap.ts. It holds a secret: keep it secret.`,
    "set -euo pipefail",
    "umask 022",
    `export PATH=${NODE_HOME}/bin:$PATH`,
  ];
}

function section(title: string): string {
  return `\n# --- ${title}`;
}

function installNode(): string {
  const url = `https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-$NODE_ARCH.tar.xz`;
  return [
    section(`Node ${NODE_VERSION} from nodejs.org, checked against its pinned SHA-256`),
    'case "$(uname -m)" in',
    `  x86_64) NODE_ARCH=x64; NODE_SHA256=${NODE_TARBALL_SHA256.x64} ;;`,
    `  aarch64) NODE_ARCH=arm64; NODE_SHA256=${NODE_TARBALL_SHA256.arm64} ;;`,
    '  *) echo "no Node build for $(uname -m); use an x86_64 or aarch64 image" >&2; exit 1 ;;',
    "esac",
    `curl -fsSL --retry 10 --retry-delay 5 -o /tmp/node.tar.xz "${url}"`,
    'echo "$NODE_SHA256  /tmp/node.tar.xz" | sha256sum --check --strict -',
    `rm -rf ${NODE_HOME} && install -d -m 0755 ${NODE_HOME}`,
    `tar -xJf /tmp/node.tar.xz -C ${NODE_HOME} --strip-components=1 --no-same-owner`,
    "rm -f /tmp/node.tar.xz",
    "node --version",
  ].join("\n");
}

function machineIdCommand(cloud: Cloud): string {
  if (cloud === "azure") {
    return 'MACHINE_ID=$(curl -fsS --retry 10 -H Metadata:true "http://169.254.169.254/metadata/instance/compute/name?api-version=2021-02-01&format=text")';
  }
  return [
    'IMDS_TOKEN=$(curl -fsS --retry 10 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token)',
    'MACHINE_ID=$(curl -fsS --retry 10 -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" http://169.254.169.254/latest/meta-data/instance-id)',
  ].join("\n");
}

function environmentFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${systemdEnvironmentValue(value)}\n`)
    .join("");
}

/**
 * Writes with `printf`, a bash builtin, so the secret is never an argument of another process; the
 * file is created under umask 077 (0600, root) before anything is written to it.
 */
function writeEnvironmentFile(path: string, contents: string): string {
  // `$MACHINE_ID` is the one value expanded on the machine (checked above to be [A-Za-z0-9_.-]).
  const parts = contents.split("$MACHINE_ID");
  const argument = parts.map(shellQuote).join('"$MACHINE_ID"');
  return [
    "install -d -m 0700 /etc/openbatch",
    `(umask 077 && printf '%s\\n' ${argument} > ${path})`,
    `chmod 0600 ${path}`,
  ].join("\n");
}

function writeUnit(
  unit: string,
  spec: { description: string; environmentFile: string; execStart: string },
): string {
  const text = [
    "[Unit]",
    `Description=${spec.description}`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    `EnvironmentFile=${spec.environmentFile}`,
    `Environment=PATH=${NODE_HOME}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    `ExecStart=${spec.execStart}`,
    "Restart=always",
    "RestartSec=5",
    "KillMode=mixed",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
  return `printf '%s\\n' ${shellQuote(text)} > /etc/systemd/system/${unit}`;
}

function startUnit(unit: string): string {
  return ["systemctl daemon-reload", `systemctl enable --now ${unit}`, ""].join("\n");
}

function refuseNul(value: string): void {
  if (value.includes("\0")) throw new Error("a boot script value contains a NUL character; remove it");
}

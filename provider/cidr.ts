/**
 * IPv4 CIDR arithmetic for the cloud components' default address plans (pure). Only what they need:
 * the n-th subnet of a block and the n-th address of a subnet.
 */

interface Block {
  base: number;
  prefixLength: number;
}

function parseCidr(cidr: string): Block {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefixLength = match ? Number(match[5]) : -1;
  if (!match || octets.some((octet) => octet > 255) || prefixLength > 32) {
    throw new Error(`'${cidr}' is not an IPv4 CIDR block; write it like 10.20.0.0/16`);
  }
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - prefixLength);
  return { base: address - (address % size), prefixLength };
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** The `index`-th block of length `/newPrefixLength` inside `cidr` (like Terraform's `cidrsubnet`). */
export function cidrSubnet(cidr: string, newPrefixLength: number, index: number): string {
  const block = parseCidr(cidr);
  const count = 2 ** (newPrefixLength - block.prefixLength);
  if (newPrefixLength < block.prefixLength || newPrefixLength > 32 || index < 0 || index >= count) {
    throw new Error(
      `${cidr} has no subnet number ${index} of length /${newPrefixLength}; widen the address space`,
    );
  }
  return `${formatAddress(block.base + index * 2 ** (32 - newPrefixLength))}/${newPrefixLength}`;
}

/** The `index`-th address of `cidr` (like Terraform's `cidrhost`). */
export function cidrHost(cidr: string, index: number): string {
  const block = parseCidr(cidr);
  if (index < 0 || index >= 2 ** (32 - block.prefixLength)) {
    throw new Error(`${cidr} has no address number ${index}; pick a smaller number or a wider subnet`);
  }
  return formatAddress(block.base + index);
}

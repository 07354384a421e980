/**
 * IPv4 subnets in CIDR notation (`10.88.0.0/24`), as a local virtual network's `addressPrefix` gives
 * them: parsing with messages that say what to fix, overlap, and the addresses inside. Addresses are
 * unsigned 32-bit numbers here.
 */

export interface Ipv4Cidr {
  /** The network address (host bits zero). */
  network: number;
  prefixLength: number;
}

/** The private ranges of RFC 1918: a local network must lie inside one of them. */
const PRIVATE_RANGES: readonly Ipv4Cidr[] = [
  { network: 0x0a000000, prefixLength: 8 },
  { network: 0xac100000, prefixLength: 12 },
  { network: 0xc0a80000, prefixLength: 16 },
];

export const MIN_PREFIX_LENGTH = 16;
export const MAX_PREFIX_LENGTH = 29;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    return undefined;
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

function size(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    inner.prefixLength >= outer.prefixLength &&
    Math.floor(inner.network / size(outer.prefixLength)) ===
      Math.floor(outer.network / size(outer.prefixLength))
  );
}

export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** An IPv4 subnet in CIDR notation with its host bits zero, or what is wrong with it. */
export function parseSubnet(text: string): Ipv4Cidr | { problem: string } {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  const address = match ? parseIpv4(match[1]!) : undefined;
  const prefixLength = Number(match?.[2]);
  if (address === undefined || prefixLength > 32)
    return { problem: `'${text}' is not an IPv4 subnet in CIDR notation; write it like 10.88.0.0/24` };
  const network = address - (address % size(prefixLength));
  const cidr = { network, prefixLength };
  if (network !== address)
    return { problem: `'${text}' has host bits set; the subnet is ${formatCidr(cidr)}` };
  return cidr;
}

/**
 * A local network's address prefix, or what is wrong with it: a private IPv4 subnet
 * (10/8, 172.16/12, 192.168/16) with a prefix length from 16 to 29, written with its host bits zero.
 */
export function parseNetworkPrefix(text: string): Ipv4Cidr | { problem: string } {
  const cidr = parseSubnet(text);
  if ("problem" in cidr) return cidr;
  const { prefixLength } = cidr;
  if (prefixLength < MIN_PREFIX_LENGTH || prefixLength > MAX_PREFIX_LENGTH)
    return {
      problem: `the prefix length /${prefixLength} is out of range; use /${MIN_PREFIX_LENGTH} to /${MAX_PREFIX_LENGTH}`,
    };
  if (!PRIVATE_RANGES.some((range) => contains(range, cidr)))
    return {
      problem: `${text} is not a private range; use a subnet of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`,
    };
  return cidr;
}

/** The subnet's `index`-th address (0 is the network address); index 1 is the gateway. */
export function addressAt(cidr: Ipv4Cidr, index: number): string {
  return formatIpv4(cidr.network + index);
}

/** The indexes nodes may take: after the gateway (1), before the broadcast address. */
export function nodeAddressIndexes(cidr: Ipv4Cidr): { first: number; last: number } {
  return { first: 2, last: size(cidr.prefixLength) - 2 };
}

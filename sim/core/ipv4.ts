/** IPv4 arithmetic for deriving deterministic addresses inside declared ranges. */

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return ((parts[0] ?? 0) * 16777216 + (parts[1] ?? 0) * 65536 + (parts[2] ?? 0) * 256 + (parts[3] ?? 0)) >>> 0;
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The n-th address of a CIDR block (a deterministic host address). */
export function hostIn(cidr: string, n: number): string {
  return intToIpv4(ipv4ToInt(cidr.split('/')[0] ?? '0.0.0.0') + n);
}

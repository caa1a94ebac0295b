/** IPv4 addresses and ranges (single IPs, CIDRs, a-b ranges) for the isolation checks; octets may carry leading zeros (010). */
const OCTET = String.raw`0*(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const ADDRESS = String.raw`${OCTET}(?:\.${OCTET}){3}`;
const IPV4 = new RegExp(String.raw`(?<![\d.])(${ADDRESS})(?:\s*(\/)(3[0-2]|[12]?\d)(?!\d)|\s*-\s*(${ADDRESS}))?(?![\d])`, 'g');

export interface IpRange {
  first: number;
  last: number;
  text: string;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** Parse "10.0.0.1", "10.0.50.0/24" or "10.0.50.100-10.0.50.150"; undefined if it is none of these. */
export function parseIpRange(text: string): IpRange | undefined {
  const ranges = ipRangesIn(text);
  return ranges.length === 1 && ranges[0]!.text === text.trim() ? ranges[0] : undefined;
}

/** Every IPv4 address, CIDR and a-b range in a text (a URL such as https://10.0.0.10:6443 holds one). */
export function ipRangesIn(text: string): IpRange[] {
  const ranges: IpRange[] = [];
  for (const match of text.matchAll(IPV4)) {
    const first = ipToNumber(match[1]!);
    if (match[2]) {
      const size = 2 ** (32 - Number(match[3]));
      const base = Math.floor(first / size) * size;
      ranges.push({ first: base, last: base + size - 1, text: match[0] });
    } else if (match[4]) {
      const last = ipToNumber(match[4]);
      ranges.push({ first: Math.min(first, last), last: Math.max(first, last), text: match[0] });
    } else ranges.push({ first, last: first, text: match[0] });
  }
  return ranges;
}

export function overlaps(a: IpRange, b: IpRange): boolean {
  return a.first <= b.last && b.first <= a.last;
}

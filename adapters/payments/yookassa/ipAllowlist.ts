import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * YooKassa signs nothing: a notification is trusted only for where it comes from (and then only
 * as a hint: the processor re-reads the payment from the API). These are the ranges YooKassa
 * publishes for its HTTP notifications (yookassa.ru/developers/using-api/webhooks, "IP-адреса");
 * `YOOKASSA_WEBHOOK_ALLOWED_IPS` replaces them.
 */
export const YOOKASSA_PUBLISHED_RANGES: readonly string[] = [
  '185.71.76.0/27',
  '185.71.77.0/27',
  '77.75.153.0/25',
  '77.75.156.11',
  '77.75.156.35',
  '77.75.154.128/25',
  '2a02:5180::/32',
];

/** An IPv4 address seen through an IPv6 socket (`::ffff:1.2.3.4`) is that IPv4 address. */
const normalise = (ip: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
};

export interface IpAllowlist {
  allows(ip: string | undefined): boolean;
}

/** Builds the allowlist from CIDRs and single addresses; throws on an entry that is neither. */
export const ipAllowlist = (entries: readonly string[] = YOOKASSA_PUBLISHED_RANGES): IpAllowlist => {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefixText] = entry.trim().split('/');
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const prefix = prefixText === undefined ? undefined : Number(prefixText);
    const maxPrefix = type === 'ipv4' ? 32 : 128;
    if (!type || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= maxPrefix))) {
      throw new Error(`not an IP address or CIDR range: "${entry}"`);
    }
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return {
    allows: (ip) => {
      if (!ip) return false;
      const address = normalise(ip);
      if (isIPv4(address)) return list.check(address, 'ipv4');
      if (isIPv6(address)) return list.check(address, 'ipv6');
      return false;
    },
  };
};

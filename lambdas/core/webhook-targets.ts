import ipaddr from 'ipaddr.js';

/**
 * Why a webhook may not connect to this address, or null when it may. Only public unicast addresses are
 * allowed (no loopback, private, link-local and cloud metadata, CGNAT, multicast, reserved or
 * documentation ranges); IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export function blockedAddressReason(address: string, allowLoopback: boolean): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (range === 'loopback' && allowLoopback) return null;
  return `${address} is a ${range} address; webhooks only go to public addresses`;
}

export interface UrlRules {
  allowHttp: boolean;
  allowLoopback: boolean;
}

/** Checks what can be checked before sending: scheme, credentials, and hosts written as IP addresses. */
export function webhookUrlProblem(raw: string, rules: UrlRules): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && rules.allowHttp)) {
    return rules.allowHttp ? 'url must be http:// or https://' : 'url must be https://';
  }
  if (url.username || url.password) return 'url must not contain credentials';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.isValid(host)) return blockedAddressReason(host, rules.allowLoopback);
  return null;
}

import type { MailDomains, MailDomainState } from '../ports';

/**
 * A laptop has no DNS to check: a domain is verified the moment it is registered, and its mail reaches the local
 * SMTP server by whatever routes it there (a test's client, an /etc/hosts entry), so no DKIM tokens are issued.
 */
export class LocalMailDomains implements MailDomains {
  private readonly known = new Set<string>();

  constructor(readonly inboundMxHost: string) {}

  async register(domain: string, _orgId: string): Promise<MailDomainState> {
    this.known.add(domain);
    return { status: 'verified', dkimTokens: [] };
  }

  async state(domain: string): Promise<MailDomainState | undefined> {
    return this.known.has(domain) ? { status: 'verified', dkimTokens: [] } : undefined;
  }

  async remove(domain: string): Promise<void> {
    this.known.delete(domain);
  }
}

import { AlreadyExistsException, CreateEmailIdentityCommand, DeleteEmailIdentityCommand, GetEmailIdentityCommand, NotFoundException, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { GetEmailIdentityCommandOutput } from '@aws-sdk/client-sesv2';
import { DomainHeldElsewhere, type MailDomains, type MailDomainState, type MailDomainStatus } from '../../ports';

/** Marks the identities Mailroom creates with the org they were made for. */
const ORG_TAG = 'mailroom:org';

/**
 * Orgs' domains as SES (API v2) email identities with Easy DKIM: SES hands out three DKIM tokens, and the identity
 * is verified (for receiving and sending) once their CNAMEs resolve.
 */
export class SesMailDomains implements MailDomains {
  readonly inboundMxHost: string;

  constructor(
    private readonly client: SESv2Client,
    region: string,
  ) {
    this.inboundMxHost = `inbound-smtp.${region}.amazonaws.com`;
  }

  /** An identity that exists already is taken up only when it was made for this org (an attempt that stopped). */
  async register(domain: string, orgId: string): Promise<MailDomainState> {
    if (await this.heldFor(domain, orgId)) return (await this.state(domain))!;
    try {
      const out = await this.client.send(new CreateEmailIdentityCommand({ EmailIdentity: domain, Tags: [{ Key: ORG_TAG, Value: orgId }] }));
      return { status: out.VerifiedForSendingStatus ? 'verified' : statusOf(out.DkimAttributes?.Status), dkimTokens: out.DkimAttributes?.Tokens ?? [] };
    } catch (err) {
      // Made between the look and the create: judged as any existing identity is.
      if (err instanceof AlreadyExistsException && (await this.heldFor(domain, orgId))) return (await this.state(domain))!;
      throw err;
    }
  }

  /** False when SES has no identity for the domain; throws when it has one that is not this org's. */
  private async heldFor(domain: string, orgId: string): Promise<boolean> {
    const existing = await this.identity(domain);
    if (!existing) return false;
    if (existing.Tags?.some((t) => t.Key === ORG_TAG && t.Value === orgId)) return true;
    throw new DomainHeldElsewhere(domain);
  }

  async state(domain: string): Promise<MailDomainState | undefined> {
    const out = await this.identity(domain);
    if (!out) return undefined;
    const verified = out.VerifiedForSendingStatus || out.VerificationStatus === 'SUCCESS';
    return { status: verified ? 'verified' : statusOf(out.VerificationStatus ?? out.DkimAttributes?.Status), dkimTokens: out.DkimAttributes?.Tokens ?? [] };
  }

  private async identity(domain: string): Promise<GetEmailIdentityCommandOutput | undefined> {
    try {
      return await this.client.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
    } catch (err) {
      if (err instanceof NotFoundException) return undefined;
      throw err;
    }
  }

  async remove(domain: string): Promise<void> {
    try {
      await this.client.send(new DeleteEmailIdentityCommand({ EmailIdentity: domain }));
    } catch (err) {
      if (!(err instanceof NotFoundException)) throw err;
    }
  }
}

/** SES's verification states: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE, NOT_STARTED. */
function statusOf(status: string | undefined): MailDomainStatus {
  if (status === 'SUCCESS') return 'verified';
  return status === 'FAILED' ? 'failed' : 'pending';
}

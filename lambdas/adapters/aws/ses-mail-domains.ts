import { AlreadyExistsException, CreateEmailIdentityCommand, DeleteEmailIdentityCommand, GetEmailIdentityCommand, NotFoundException, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { GetEmailIdentityCommandOutput } from '@aws-sdk/client-sesv2';
import type { MailDomains, MailDomainState, MailDomainStatus } from '../../ports';

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

  async register(domain: string): Promise<MailDomainState> {
    try {
      const out = await this.client.send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
      return { status: out.VerifiedForSendingStatus ? 'verified' : statusOf(out.DkimAttributes?.Status), dkimTokens: out.DkimAttributes?.Tokens ?? [] };
    } catch (err) {
      // Made by an earlier attempt that stopped before recording it: the identity is the domain's all the same.
      if (err instanceof AlreadyExistsException) return (await this.state(domain))!;
      throw err;
    }
  }

  async state(domain: string): Promise<MailDomainState | undefined> {
    let out: GetEmailIdentityCommandOutput;
    try {
      out = await this.client.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
    } catch (err) {
      if (err instanceof NotFoundException) return undefined;
      throw err;
    }
    const verified = out.VerifiedForSendingStatus || out.VerificationStatus === 'SUCCESS';
    return { status: verified ? 'verified' : statusOf(out.VerificationStatus ?? out.DkimAttributes?.Status), dkimTokens: out.DkimAttributes?.Tokens ?? [] };
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

import { CreateEmailIdentityCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DomainHeldElsewhere } from '../../../lambdas/ports';
import { SesMailDomains } from '../../../lambdas/adapters/aws/ses-mail-domains';
import { startMotoServer, type MotoServer } from '../../support/moto';

let moto: MotoServer;
let ses: SESv2Client;
let domains: SesMailDomains;

beforeAll(async () => {
  moto = await startMotoServer();
  ses = new SESv2Client(moto.clientConfig);
  domains = new SesMailDomains(ses, 'eu-west-1');
});
afterAll(() => moto.stop());

describe('orgs’ domains as SES v2 email identities (against moto)', () => {
  it('creates the domain’s identity, reads its state back, and forgets it again', async () => {
    const registered = await domains.register('acme.example', 'org_a');
    expect(registered.dkimTokens).toEqual(expect.any(Array));
    expect(['pending', 'verified']).toContain(registered.status);
    const identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'acme.example' }));
    expect(identity.IdentityType).toBe('DOMAIN');

    // moto verifies identities at once; SES waits for the DKIM CNAMEs.
    expect(await domains.state('acme.example')).toEqual({ status: 'verified', dkimTokens: expect.any(Array) });

    await domains.remove('acme.example');
    expect(await domains.state('acme.example')).toBeUndefined();
    await domains.remove('acme.example');
  });

  it('takes up an identity made for the same org before (an attempt that stopped), and knows nothing of others', async () => {
    await domains.register('again.example', 'org_a');
    expect(['pending', 'verified']).toContain((await domains.register('again.example', 'org_a')).status);
    expect(await domains.state('again.example')).toMatchObject({ status: 'verified' });
    expect(await domains.state('unknown.example')).toBeUndefined();
  });

  it('refuses a domain SES knows from elsewhere: another org’s, or another application’s in the account', async () => {
    await domains.register('theirs.example', 'org_a');
    await expect(domains.register('theirs.example', 'org_b')).rejects.toThrow(DomainHeldElsewhere);
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'other-app.example' }));
    await expect(domains.register('other-app.example', 'org_a')).rejects.toThrow('other-app.example is known to the mail service already');
    // Untouched: still there for whoever made it.
    expect(await domains.state('other-app.example')).toBeDefined();
  });

  it('names the region’s inbound SMTP endpoint for MX records', () => {
    expect(domains.inboundMxHost).toBe('inbound-smtp.eu-west-1.amazonaws.com');
  });
});

import { CreateConfigurationSetCommand, CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SesMailSender } from '../../../lambdas/adapters/aws/ses-mail-sender';
import { startMotoServer, type MotoServer } from '../../support/moto';

let moto: MotoServer;
let ses: SESv2Client;

beforeAll(async () => {
  moto = await startMotoServer();
  ses = new SESv2Client(moto.clientConfig);
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'mail.example.com' }));
  await ses.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'mailroom-sending' }));
});
afterAll(() => moto.stop());

/** What moto recorded as sent: its account state, as its own dashboard reads it. */
async function sentByMoto(): Promise<{ id: string; source: string; destinations: string[]; raw_data: string }[]> {
  const state = (await (await fetch(`${moto.clientConfig.endpoint}/moto-api/data.json`)).json()) as { ses: { RawMessage: never[] } };
  return state.ses.RawMessage;
}

describe('sending through SES v2 (against moto)', () => {
  it('sends the raw MIME as built, to every envelope recipient (Bcc included), through the configuration set', async () => {
    const raw = Buffer.from(
      ['From: "Agent" <agent@mail.example.com>', 'To: ada@elsewhere.example', 'Subject: Hello', 'Message-ID: <m1@mail.example.com>', '', 'Hi Ada', ''].join('\r\n'),
    );

    const sent = await new SesMailSender(ses, 'mailroom-sending').send({
      from: 'agent@mail.example.com',
      recipients: ['ada@elsewhere.example', 'hidden@elsewhere.example'],
      raw,
    });

    expect(sent.status).toBe('sent');
    const [recorded] = (await sentByMoto()).filter((m) => m.id === sent.providerMessageId);
    expect(recorded).toMatchObject({ source: 'agent@mail.example.com', raw_data: raw.toString() });
    expect(new Set(recorded.destinations)).toEqual(new Set(['ada@elsewhere.example', 'hidden@elsewhere.example']));
  });

  it('fails loudly when SES refuses (a sender whose domain is not a verified identity), so nothing is reported sent that was not', async () => {
    const sender = new SesMailSender(ses, 'mailroom-sending');
    const raw = Buffer.from('From: someone@unverified.example\r\nSubject: x\r\n\r\nx\r\n');
    await expect(sender.send({ from: 'someone@unverified.example', recipients: ['ada@elsewhere.example'], raw })).rejects.toThrow(/authority to send/i);
  });
});

import { parseRecipient } from '../../lambdas/core/mail/addresses';

describe('recipient addresses', () => {
  it.each([
    ['alice@mailroom.test', { address: 'alice@mailroom.test', localPart: 'alice', domain: 'mailroom.test', tag: null }],
    ['Alice@MailRoom.TEST', { address: 'alice@mailroom.test', localPart: 'alice', domain: 'mailroom.test', tag: null }],
    ['alice+Signup@mailroom.test', { address: 'alice@mailroom.test', localPart: 'alice', domain: 'mailroom.test', tag: 'signup' }],
    ['alice+a+b@mailroom.test', { address: 'alice@mailroom.test', localPart: 'alice', domain: 'mailroom.test', tag: 'a+b' }],
    ['<bob@agents.example>', { address: 'bob@agents.example', localPart: 'bob', domain: 'agents.example', tag: null }],
  ])('routes %s to its inbox address', (raw, expected) => {
    expect(parseRecipient(raw)).toEqual(expected);
  });

  it.each(['', 'no-at-sign', '@mailroom.test', 'alice@', '+tag@mailroom.test'])('refuses %j', (raw) => {
    expect(parseRecipient(raw)).toBeNull();
  });
});

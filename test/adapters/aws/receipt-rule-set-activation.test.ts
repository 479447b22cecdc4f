import { CreateReceiptRuleSetCommand, DescribeActiveReceiptRuleSetCommand, SESClient, SetActiveReceiptRuleSetCommand } from '@aws-sdk/client-ses';
import { onRuleSetActivationEvent } from '../../../lambdas/adapters/aws/receipt-rule-set-activation';
import { createEvent, deleteEvent, updateEvent } from '../../support/custom-resource-events';
import { startMotoServer, type MotoServer } from '../../support/moto';

let moto: MotoServer;
let ses: SESClient;
beforeAll(async () => {
  moto = await startMotoServer();
  ses = new SESClient(moto.clientConfig);
});
afterAll(() => moto?.stop());
// The active rule set is account-wide state: every test starts from an account with none.
beforeEach(() => moto.reset());

const ours = { RuleSetName: 'mailroom' };
const createRuleSets = async (...names: string[]) => {
  for (const name of names) await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: name }));
};
const activate = (name: string) => ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: name }));
const activeRuleSet = async () => (await ses.send(new DescribeActiveReceiptRuleSetCommand({}))).Metadata?.Name;
const refusal = (active: string) =>
  `SES receipt rule set "${active}" is already active in us-east-1; Mailroom will not replace it. ` +
  `Add Mailroom's rule to it (existingReceiptRuleSet) or deactivate it first.`;

describe('activating the receipt rule set (custom resource)', () => {
  describe('create', () => {
    it('activates Mailroom’s rule set when none is active', async () => {
      // Prepare
      await createRuleSets('mailroom');

      // Act
      const response = await onRuleSetActivationEvent(ses, createEvent(ours));

      // Assess
      expect(response).toEqual({ PhysicalResourceId: 'mailroom' });
      expect(await activeRuleSet()).toBe('mailroom');
    });

    it('succeeds without changes when Mailroom’s rule set is already active', async () => {
      // Prepare
      await createRuleSets('mailroom');
      await activate('mailroom');

      // Act
      const response = await onRuleSetActivationEvent(ses, createEvent(ours));

      // Assess
      expect(response).toEqual({ PhysicalResourceId: 'mailroom' });
      expect(await activeRuleSet()).toBe('mailroom');
    });

    it('refuses, naming the active set, when another rule set is active, and leaves that set active', async () => {
      // Prepare
      await createRuleSets('existing', 'mailroom');
      await activate('existing');

      // Act
      const attempt = onRuleSetActivationEvent(ses, createEvent(ours));

      // Assess
      await expect(attempt).rejects.toThrow(refusal('existing'));
      expect(await activeRuleSet()).toBe('existing');
    });

    it('fails when the rule set does not exist', async () => {
      // Act
      const attempt = onRuleSetActivationEvent(ses, createEvent(ours));

      // Assess
      await expect(attempt).rejects.toMatchObject({ name: 'RuleSetDoesNotExistException' });
      expect(await activeRuleSet()).toBeUndefined();
    });
  });

  describe('update', () => {
    it('re-activates Mailroom’s rule set if it was deactivated since', async () => {
      // Prepare
      await createRuleSets('mailroom');

      // Act
      const response = await onRuleSetActivationEvent(ses, updateEvent('mailroom', ours, ours));

      // Assess
      expect(response).toEqual({ PhysicalResourceId: 'mailroom' });
      expect(await activeRuleSet()).toBe('mailroom');
    });

    it('switches from the old name to the new one when the old set is active', async () => {
      // Prepare
      await createRuleSets('mailroom', 'mailroom-v2');
      await activate('mailroom');

      // Act
      const response = await onRuleSetActivationEvent(ses, updateEvent('mailroom', { RuleSetName: 'mailroom-v2' }, ours));

      // Assess
      expect(response).toEqual({ PhysicalResourceId: 'mailroom-v2' });
      expect(await activeRuleSet()).toBe('mailroom-v2');
    });

    it('refuses to switch to the new name when another rule set is active', async () => {
      // Prepare
      await createRuleSets('existing', 'mailroom', 'mailroom-v2');
      await activate('existing');

      // Act
      const attempt = onRuleSetActivationEvent(ses, updateEvent('mailroom', { RuleSetName: 'mailroom-v2' }, ours));

      // Assess
      await expect(attempt).rejects.toThrow(refusal('existing'));
      expect(await activeRuleSet()).toBe('existing');
    });
  });

  describe('delete', () => {
    it('deactivates Mailroom’s rule set while it is still the active one', async () => {
      // Prepare
      await createRuleSets('mailroom');
      await activate('mailroom');

      // Act
      const response = await onRuleSetActivationEvent(ses, deleteEvent('mailroom', ours));

      // Assess
      expect(response).toEqual({ PhysicalResourceId: 'mailroom' });
      expect(await activeRuleSet()).toBeUndefined();
    });

    it('leaves another active rule set alone', async () => {
      // Prepare
      await createRuleSets('existing', 'mailroom');
      await activate('existing');

      // Act
      const response = await onRuleSetActivationEvent(ses, deleteEvent('mailroom', ours));

      // Assess
      expect(response).toEqual({ PhysicalResourceId: 'mailroom' });
      expect(await activeRuleSet()).toBe('existing');
    });

    it('after a rename, deleting the old name leaves the new one active', async () => {
      // Prepare
      await createRuleSets('mailroom', 'mailroom-v2');
      await activate('mailroom-v2');

      // Act
      await onRuleSetActivationEvent(ses, deleteEvent('mailroom', ours));

      // Assess
      expect(await activeRuleSet()).toBe('mailroom-v2');
    });

    it('succeeds when no rule set is active', async () => {
      // Prepare
      await createRuleSets('mailroom');

      // Act
      const response = await onRuleSetActivationEvent(ses, deleteEvent('mailroom', ours));

      // Assess
      expect(response).toEqual({ PhysicalResourceId: 'mailroom' });
      expect(await activeRuleSet()).toBeUndefined();
    });
  });
});

import { DescribeActiveReceiptRuleSetCommand, SESClient, SetActiveReceiptRuleSetCommand } from '@aws-sdk/client-ses';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface RuleSetActivationProperties {
  RuleSetName: string;
}

/**
 * An account has at most one active receipt rule set per region, and it may already route other mail.
 * So Mailroom activates its own set only when none is active, and refuses instead of replacing another.
 */
export async function onRuleSetActivationEvent(
  ses: SESClient,
  event: CloudFormationCustomResourceEvent<RuleSetActivationProperties>,
): Promise<{ PhysicalResourceId: string }> {
  const ruleSetName = ruleSetNameOf(event.ResourceProperties);
  switch (event.RequestType) {
    case 'Create':
      await activateRuleSet(ses, ruleSetName);
      break;
    case 'Update':
      await activateRuleSet(ses, ruleSetName, ruleSetNameOf(event.OldResourceProperties));
      break;
    case 'Delete':
      await deactivateRuleSet(ses, ruleSetName);
      break;
  }
  return { PhysicalResourceId: ruleSetName };
}

/**
 * Makes `ruleSetName` the active set when no set is active or the active one is Mailroom's
 * (`ruleSetName` itself, or `previousName` when an update renamed it: one call switches over, so mail is never left without a set).
 */
async function activateRuleSet(ses: SESClient, ruleSetName: string, previousName?: string): Promise<void> {
  const active = await activeRuleSetName(ses);
  if (active === ruleSetName) return;
  if (active !== undefined && active !== previousName) {
    const region = await ses.config.region();
    throw new Error(
      `SES receipt rule set "${active}" is already active in ${region}; Mailroom will not replace it. ` +
        `Add Mailroom's rule to it (existingReceiptRuleSet) or deactivate it first.`,
    );
  }
  await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: ruleSetName }));
}

/** SES refuses to delete the active set, so Mailroom's must be deactivated first; any other active set is left alone. */
async function deactivateRuleSet(ses: SESClient, ruleSetName: string): Promise<void> {
  if ((await activeRuleSetName(ses)) !== ruleSetName) return;
  // No RuleSetName means "no active rule set".
  await ses.send(new SetActiveReceiptRuleSetCommand({}));
}

async function activeRuleSetName(ses: SESClient): Promise<string | undefined> {
  const out = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  return out.Metadata?.Name;
}

function ruleSetNameOf(properties: Partial<RuleSetActivationProperties>): string {
  const name = properties.RuleSetName;
  if (typeof name !== 'string' || name === '') throw new Error('RuleSetName must be a non-empty string');
  return name;
}

#!/usr/bin/env node
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { MailroomStack } from '../lib';

/**
 * `cdk deploy -c domain=mail.example.com` (see the README for every context value).
 * The stack is environment-agnostic unless CDK_DEFAULT_ACCOUNT/REGION are set, so `cdk synth`
 * works offline without credentials.
 */
const app = new App();

function context(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function list(name: string): string[] {
  return (context(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function flag(name: string): boolean {
  const value = context(name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`-c ${name} must be true or false, got "${value}"`);
}

function wholeNumber(name: string): number | undefined {
  const value = context(name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`-c ${name} must be a whole number, got "${value}"`);
  return Number(value);
}

function removalPolicy(): RemovalPolicy | undefined {
  const value = context('removalPolicy');
  if (value === undefined) return undefined;
  if (value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(`-c removalPolicy must be retain or destroy, got "${value}"`);
}

function vaultKeys(): 'stack' | 'per-org' | undefined {
  const value = context('vaultKeys');
  if (value === undefined || value === 'stack' || value === 'per-org') return value;
  throw new Error(`-c vaultKeys must be stack or per-org, got "${value}"`);
}

function hostedZone(): { id: string; name: string } | undefined {
  const id = context('hostedZoneId');
  const name = context('hostedZoneName');
  if (id === undefined && name === undefined) return undefined;
  if (id === undefined || name === undefined) throw new Error('-c hostedZoneId and -c hostedZoneName go together (the zone holding your domains)');
  return { id, name };
}

const domains = list('domain');
if (domains.length === 0) {
  throw new Error('Tell Mailroom which domain to receive mail for: cdk deploy -c domain=mail.example.com');
}

new MailroomStack(app, context('stackName') ?? 'Mailroom', {
  env: process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } : undefined,
  description: 'Mailroom: email inboxes with a REST API',
  domains,
  autoCreateDomains: list('autoCreateDomains'),
  retentionDays: wholeNumber('retentionDays'),
  rateLimitPerMinute: wholeNumber('rateLimitPerMinute'),
  auditRetentionDays: wholeNumber('auditRetentionDays'),
  removalPolicy: removalPolicy(),
  activateReceiptRuleSet: flag('activateReceiptRuleSet'),
  createEmailIdentities: context('createEmailIdentities') === undefined ? undefined : flag('createEmailIdentities'),
  orgDomains: context('orgDomains') === undefined ? undefined : flag('orgDomains'),
  existingReceiptRuleSetName: context('existingReceiptRuleSetName'),
  vaultKeys: vaultKeys(),
  hostedZone: hostedZone(),
  mailFromSubdomain: context('mailFromSubdomain'),
  alarmEmail: context('alarmEmail'),
  canary: flag('canary') ? { address: context('canaryAddress') } : undefined,
  dashboard: context('dashboard') === undefined ? undefined : flag('dashboard'),
});

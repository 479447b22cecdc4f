import { Aws } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface DomainIdentitiesProps {
  readonly domains: string[];
  /** When given, the DKIM (and MAIL FROM) records of every domain in this zone are created in it. */
  readonly hostedZone?: route53.IHostedZone;
  /** A custom MAIL FROM subdomain (e.g. `bounce` → `bounce.<domain>`), so SPF aligns with the domain for DMARC. */
  readonly mailFromSubdomain?: string;
}

/**
 * An SES domain identity with Easy DKIM for each domain: SES receives and sends only for verified domains.
 * Without a hosted zone, the records to add are the stack's outputs.
 */
export class DomainIdentities extends Construct {
  public readonly identities: ses.EmailIdentity[];

  constructor(scope: Construct, id: string, props: DomainIdentitiesProps) {
    // Ids stay those of the identities the construct made before it grew records, so upgrades keep them.
    super(scope, id);
    const zone = props.hostedZone;
    this.identities = props.domains.map((domain, i) => {
      const mailFromDomain = props.mailFromSubdomain ? `${props.mailFromSubdomain}.${domain}` : undefined;
      const identity = new ses.EmailIdentity(scope, `Identity${i}`, { identity: ses.Identity.domain(domain), mailFromDomain });
      if (zone && inZone(domain, zone)) {
        identity.dkimRecords.forEach((record, n) => {
          // A trailing dot keeps Route 53 from appending the zone name to a name that already holds it.
          new route53.CnameRecord(this, `Dkim${i}${n}`, { zone, recordName: `${record.name}.`, domainName: record.value });
        });
        if (mailFromDomain) {
          new route53.MxRecord(this, `MailFromMx${i}`, {
            zone,
            recordName: `${mailFromDomain}.`,
            values: [{ priority: 10, hostName: `feedback-smtp.${Aws.REGION}.amazonses.com` }],
          });
          new route53.TxtRecord(this, `MailFromSpf${i}`, { zone, recordName: `${mailFromDomain}.`, values: ['v=spf1 include:amazonses.com ~all'] });
        }
      }
      return identity;
    });
  }
}

function inZone(domain: string, zone: route53.IHostedZone): boolean {
  const zoneName = zone.zoneName.replace(/\.$/, '').toLowerCase();
  return domain === zoneName || domain.endsWith(`.${zoneName}`);
}

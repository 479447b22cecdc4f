import type { Item } from '../ports';
import { auditWrite, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { MailroomError, notFound } from './errors';
import { addressClaimKey } from './table-keys';

/**
 * Who holds an address, across all orgs. A deleted inbox leaves its address retired rather than free:
 * mail for it is dropped, and nobody (not even its own org) gets the address back until the org
 * releases it on purpose, so password resets meant for a deleted inbox never reach a new owner by accident.
 */
export type AddressClaim = Item & ({ orgId: string; inboxId: string; expiresAt?: number } | { orgId: string; retiredAt: string; inboxId?: undefined; expiresAt?: number });

export const getAddressClaim = (deps: CoreDeps, address: string) => deps.table.get<AddressClaim>(addressClaimKey(address));

/** A temporary inbox's address stays retired only until the inbox would have expired anyway. */
export const retiredAddress = (orgId: string, address: string, at: Date, expiresAt?: number): AddressClaim => ({
  ...addressClaimKey(address),
  type: 'retired-address',
  orgId,
  retiredAt: at.toISOString(),
  ...(expiresAt ? { expiresAt } : {}),
});

/** Why an address cannot be claimed, in the words the caller may hear (another org's use is not disclosed). */
export async function addressTaken(deps: CoreDeps, orgId: string, address: string): Promise<MailroomError> {
  const claim = await getAddressClaim(deps, address);
  if (claim && claim.orgId === orgId && claim.inboxId === undefined) {
    return new MailroomError('conflict', `the address ${address} belonged to a deleted inbox; release it first (POST /v1/addresses/${address}/release)`, {
      field: 'localPart',
      retiredAt: claim.retiredAt,
    });
  }
  return new MailroomError('conflict', `the address ${address} is already taken`, { field: 'localPart' });
}

/** Makes an address `orgId` retired claimable again (the caller's org, or for an admin any org, deleted ones too). */
export async function releaseAddress(deps: CoreDeps, actor: Actor, address: string, orgId = actor.orgId): Promise<void> {
  const normalised = address.toLowerCase();
  const claim = await getAddressClaim(deps, normalised);
  if (!claim || claim.orgId !== orgId) throw notFound('retired address');
  if (claim.inboxId !== undefined) throw new MailroomError('conflict', `the address ${normalised} belongs to inbox ${claim.inboxId}; delete the inbox first`);
  await deps.table.transactWrite([
    { delete: addressClaimKey(normalised), ifExists: true },
    auditWrite(deps, actor, 'address.released', { type: 'address', id: normalised }, {}),
  ]);
}

import { createMailroomClient, dataOf, type MailroomClient } from '../../lib/client';

/** Only for this tab's life: a key never goes to localStorage or into a URL. */
const KEY_STORAGE = 'mailroom.apiKey';

export interface Session {
  client: MailroomClient;
  apiKey: string;
  orgId: string;
  scopes: string[];
  /** The inboxes the key is restricted to, or null for all. */
  inboxIds: string[] | null;
}

/** The API shares the page's origin and path: `/` on a laptop, the stage (`/live/`) on AWS. */
export const apiBase = new URL('.', location.href).href.replace(/\/+$/, '');

export async function signIn(apiKey: string): Promise<Session> {
  const client = createMailroomClient({ baseUrl: apiBase, apiKey });
  const who = await dataOf(client.GET('/v1/whoami'));
  sessionStorage.setItem(KEY_STORAGE, apiKey);
  return { client, apiKey, orgId: who.orgId, scopes: who.scopes, inboxIds: who.inboxIds };
}

export function rememberedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function signOut(): void {
  sessionStorage.removeItem(KEY_STORAGE);
}

export const can = (session: Session, scope: string) => session.scopes.includes(scope) || session.scopes.includes('admin');

/** Downloads bytes the API serves behind the key (raw mail, attachments) under `filename`. */
export async function download(session: Session, path: string, filename: string): Promise<void> {
  const response = await fetch(`${apiBase}${path}`, { headers: { Authorization: `Bearer ${session.apiKey}` } });
  if (!response.ok) throw new Error(`download failed: ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export { dataOf };

/** What a link in a mail does for its reader; kept apart from the extractor so the API's schemas do not load it. */
export const LINK_KINDS = ['verify', 'magic-link', 'reset', 'unsubscribe', 'other'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

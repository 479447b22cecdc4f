/** Request units: 1 WRU per started KB written (2 in a transaction), 1 RRU per started 4 KB read strongly consistently. */
export const writeUnits = (bytes: number, transactional = false) => Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
export const consistentReadUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

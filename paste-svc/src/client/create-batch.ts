/** CreatePastes' bounds, which a batching caller must stay within: pastes per call, and content bytes in all. */
export const MAX_BATCH_CREATES = 100;
/** Half the 8 MiB a paste-svc port accepts per message, leaving room for the rest of each paste. */
export const MAX_BATCH_CREATE_BYTES = 4 * 1024 * 1024;

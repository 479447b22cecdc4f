/**
 * Memory of Mailroom's functions, in MB. Lambda bills a function's time by its memory and gives it CPU in
 * proportion; the cost benchmark prices measured times at these sizes.
 */
export const FUNCTION_MEMORY_MB = {
  /** The parser holds a whole mail (SES takes up to 40 MB) and its parts in memory at once. */
  parser: 1024,
  /** The API and every other function. */
  standard: 512,
  /**
   * Waits mostly sleep between small reads, yet are billed for all their time: half the API's memory halves what
   * waiting costs. The handler is about 75 MB resident, so there is room to spare.
   */
  wait: 256,
} as const;

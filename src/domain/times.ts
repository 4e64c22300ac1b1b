/**
 * Modification times, in whole seconds since the epoch. The latest one
 * accepted is 9999-12-31T23:59:59Z, the last second an HTTP date (egress's
 * Last-Modified) can express; beyond it a client gets "invalid mtime"
 * rather than a file that answers `Last-Modified: Invalid Date`.
 */
export const MAX_MTIME_SECONDS = 253_402_300_799;

export function isValidMtime(seconds: number): boolean {
  return Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= MAX_MTIME_SECONDS;
}

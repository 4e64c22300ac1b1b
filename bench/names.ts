/** Names shared by the bench's setup and its ceilings, so both sides list the same entries. */
export function listName(i: number): string {
  return `entry-${String(i).padStart(8, '0')}.bin`;
}

/** `0x`-prefixed lowercase hex of a number or bigint (`-0x…` for a negative number). */
export function hex(n: number | bigint): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

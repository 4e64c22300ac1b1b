/** Interleaved A/B(/C…) repetitions: the sides take turns, and who goes first rotates, so drift in the machine hits all alike. */
export interface Side {
  readonly name: string;
  /** One repetition; returns its figure (a rate, a latency). */
  run(repetition: number): Promise<number>;
}

export async function interleave(
  repetitions: number, sides: readonly Side[], log: (line: string) => void, unit: string,
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s.name, [] as number[]]));
  for (let i = 0; i < repetitions; i++) {
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(i + k) % sides.length]!;
      const value = await side.run(i);
      out[side.name]!.push(value);
      log(`  ${side.name.padEnd(11)} #${i + 1}: ${value.toFixed(value >= 100 ? 0 : 2)} ${unit}`);
    }
  }
  return out;
}

/** a[i] ÷ b[i], repetition by repetition. */
export function ratios(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  if (!a || !b) return [];
  return a.map((x, i) => x / b[i]!);
}

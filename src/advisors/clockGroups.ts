/**
 * Groups clock readings with the intervals they feed, for the wrong-clock rules (Python and
 * JS/TS): readings, clock variables and subtractions joined by union-find over string keys
 * (`r:<reading id>`, `v:<variable>`, `i:<interval id>`). Each group's readings are fixed
 * together, so one fix never leaves an interval mixing two clocks. Pure.
 */

export class Components {
  private readonly up = new Map<string, string>();

  find(k: string): string {
    let p = this.up.get(k) ?? k;
    if (p !== k) {
      p = this.find(p);
      this.up.set(k, p);
    }
    return p;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.up.set(ra, rb);
  }
}

export interface ClockGroup<R, I> {
  readings: R[];
  intervals: I[];
}

/**
 * The groups of `flagged` readings (each once, in the order of `start`) and their intervals,
 * by component; groups without a reading are dropped.
 */
export function clockGroups<R extends { id: number }, I extends { id: number }>(
  components: Components,
  flagged: readonly R[],
  intervals: readonly I[],
  start: (x: R | I) => number,
): ClockGroup<R, I>[] {
  const groups = new Map<string, ClockGroup<R, I>>();
  const groupOf = (k: string): ClockGroup<R, I> => {
    const root = components.find(k);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { readings: [], intervals: [] }));
    return g;
  };
  const seen = new Set<number>();
  for (const r of flagged) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    groupOf(`r:${r.id}`).readings.push(r);
  }
  for (const s of intervals) groupOf(`i:${s.id}`).intervals.push(s);
  for (const g of groups.values()) {
    g.readings.sort((a, b) => start(a) - start(b));
    g.intervals.sort((a, b) => start(a) - start(b));
  }
  return [...groups.values()].filter((g) => g.readings.length > 0);
}

/**
 * The order tables are started in: every table after the tables it references (parents first), and
 * among the tables that are free to start, the largest first. Why largest first: lanes copy tables in
 * parallel, and a big table started last leaves the other lanes idle at the end (measured here: the
 * bench's 1M-row table started after a small one made a cross-server clone 19.7 s; started first, the
 * lanes finish together). Foreign key checks are off while loading, so the order is for readers and
 * watchers (parents complete first), not for correctness. Cycles are broken at the largest table.
 */
export function foreignKeyOrder<T>(items: readonly T[], name: (item: T) => string, references: (item: T) => readonly string[], weight: (item: T) => number = () => 0): T[] {
  const names = new Set(items.map(name));
  const remaining = [...items];
  const placed = new Set<string>();
  const ordered: T[] = [];
  const heaviest = (candidates: readonly T[]): T | undefined =>
    candidates.reduce<T | undefined>((best, item) => (best === undefined || weight(item) > weight(best) ? item : best), undefined);
  while (remaining.length > 0) {
    const ready = remaining.filter((item) => references(item).every((ref) => ref === name(item) || !names.has(ref) || placed.has(ref)));
    const next = heaviest(ready.length > 0 ? ready : remaining) as T;
    remaining.splice(remaining.indexOf(next), 1);
    placed.add(name(next));
    ordered.push(next);
  }
  return ordered;
}

/**
 * Foreign-key order: every table after the tables it references (parents first), ties and cycles
 * broken by the given order. The load itself does not need it (foreign key checks are off on the
 * target's sessions), but a user watching the copy, and a reader of a half-done `truncate` copy,
 * sees parents complete before their children.
 */
export function foreignKeyOrder<T>(items: readonly T[], name: (item: T) => string, references: (item: T) => readonly string[]): T[] {
  const byName = new Map(items.map((item) => [name(item), item]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: T[] = [];
  const visit = (item: T): void => {
    const key = name(item);
    if (done.has(key) || visiting.has(key)) return; // a cycle: keep the given order for it
    visiting.add(key);
    for (const ref of references(item)) {
      const parent = byName.get(ref);
      if (parent !== undefined) visit(parent);
    }
    visiting.delete(key);
    done.add(key);
    ordered.push(item);
  };
  for (const item of items) visit(item);
  return ordered;
}

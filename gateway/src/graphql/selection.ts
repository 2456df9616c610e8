import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * True when the field being resolved selects `name` directly (through inline
 * fragments and fragment spreads too), so a resolver can skip fetching what
 * the query does not show.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const seen = new Set<string>();
  const inSet = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === name;
      if (s.kind === Kind.INLINE_FRAGMENT) return inSet(s.selectionSet);
      const fragment = info.fragments[s.name.value];
      if (!fragment || seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      return inSet(fragment.selectionSet);
    });
  return info.fieldNodes.some((node) => inSet(node.selectionSet));
}

/** True when the field being resolved selects `path` (e.g. ['edges', 'node', 'author']), through fragments too. */
export function selectsPath(info: GraphQLResolveInfo, path: string[]): boolean {
  let sets: (SelectionSetNode | undefined)[] = info.fieldNodes.map((node) => node.selectionSet);
  for (const name of path) {
    const next: (SelectionSetNode | undefined)[] = [];
    const visit = (set: SelectionSetNode | undefined, seen: Set<string>): void => {
      for (const s of set?.selections ?? []) {
        if (s.kind === Kind.FIELD) {
          if (s.name.value === name) next.push(s.selectionSet);
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          visit(s.selectionSet, seen);
        } else if (!seen.has(s.name.value)) {
          seen.add(s.name.value);
          visit(info.fragments[s.name.value]?.selectionSet, seen);
        }
      }
    };
    for (const set of sets) visit(set, new Set());
    if (next.length === 0) return false;
    sets = next;
  }
  return true;
}

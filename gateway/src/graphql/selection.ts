import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Answers per field-node list: graphql-js hands every item of a list the same array, so a list of 50 walks once. */
const answers = new WeakMap<readonly FieldNode[], Map<string, boolean>>();

/**
 * True when the field being resolved selects `name` directly (through inline
 * fragments and fragment spreads too), so a resolver can skip fetching what
 * the query does not show.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  let known = answers.get(info.fieldNodes);
  if (!known) answers.set(info.fieldNodes, (known = new Map()));
  let answer = known.get(name);
  if (answer === undefined) known.set(name, (answer = walk(info, name)));
  return answer;
}

function walk(info: GraphQLResolveInfo, name: string): boolean {
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

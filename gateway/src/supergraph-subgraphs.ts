import { Kind, parse, type ConstDirectiveNode } from 'graphql';

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** The subgraphs a supergraph routes to (its `join__Graph` enum), with their routing URLs. */
export function subgraphsOf(supergraphSdl: string): SubgraphEndpoint[] {
  const document = parse(supergraphSdl, { noLocation: true });
  const graphs = document.definitions.find(
    (definition) => definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph',
  );
  if (!graphs || graphs.kind !== Kind.ENUM_TYPE_DEFINITION) return [];
  return (graphs.values ?? []).flatMap((value) => {
    const directive = value.directives?.find((d: ConstDirectiveNode) => d.name.value === 'join__graph');
    const name = stringArgument(directive, 'name');
    const url = stringArgument(directive, 'url');
    return name && url !== undefined ? [{ name, url }] : [];
  });
}

function stringArgument(directive: ConstDirectiveNode | undefined, name: string): string | undefined {
  const argument = directive?.arguments?.find((a) => a.name.value === name);
  return argument?.value.kind === Kind.STRING ? argument.value.value : undefined;
}

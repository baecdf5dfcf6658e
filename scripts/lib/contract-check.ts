import {
  type ASTNode,
  type DefinitionNode,
  type FieldDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
  type InputValueDefinitionNode,
  Kind,
  astFromValue,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  parse,
  print,
} from 'graphql';

/**
 * Checks the composed API schema against the storefront contract: every contracted type, field,
 * argument and enum value must exist with the same shape. Additions are allowed (new arguments only
 * when optional). Only what belongs to a subgraph that exists is required, so the check can run while
 * the supergraph is being built out; ownership is read from the contract's own section headers
 * (`# ---- users`), its "<name> subgraph" field descriptions and its root-field notes.
 */

export const SUBGRAPHS = [
  'users',
  'products',
  'inventory',
  'cart',
  'orders',
  'payments',
  'notifications',
  'recommendations',
  'promotions',
  'shipping',
  'reviews',
] as const;

/** The contract's preamble types have no section; these are the subgraphs that declare them. */
const COMMON_OWNERS: Record<string, string> = {
  DateTime: 'users',
  ErrorCode: 'users',
  Money: 'products',
  PageInfo: 'products',
};

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

export interface ContractProblem {
  coordinate: string;
  message: string;
}

export function checkContract(
  contractSdl: string,
  apiSchema: GraphQLSchema,
  presentSubgraphs: ReadonlySet<string>,
): ContractProblem[] {
  const owners = new ContractOwnership(contractSdl);
  const problems: ContractProblem[] = [];
  const problem = (coordinate: string, message: string) => problems.push({ coordinate, message });

  for (const def of parse(contractSdl).definitions) {
    if (!('name' in def) || !def.name) continue;
    const typeName = def.name.value;
    const typeOwner = owners.ownerOfType(def);
    const apiType = apiSchema.getType(typeName);

    const requiredFields =
      'fields' in def && def.fields
        ? (def.fields as readonly (FieldDefinitionNode | InputValueDefinitionNode)[]).filter((field) => {
            const owner = owners.ownerOfField(def, field) ?? typeOwner;
            return owner !== undefined && presentSubgraphs.has(owner);
          })
        : [];
    const typeRequired =
      (typeOwner !== undefined && presentSubgraphs.has(typeOwner) && !ROOT_TYPES.has(typeName)) ||
      requiredFields.length > 0;
    if (!typeRequired) continue;

    if (!apiType) {
      // A missing root type is reported field by field: each names the operation a client lost.
      if (ROOT_TYPES.has(typeName))
        for (const f of requiredFields) problem(`${typeName}.${f.name.value}`, 'field is missing');
      else problem(typeName, 'type is missing from the API schema');
      continue;
    }
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION: {
        if (!isObjectType(apiType) && !isInterfaceType(apiType)) {
          problem(typeName, `is a ${apiType.constructor.name}, the contract has an object type`);
          break;
        }
        const apiFields = apiType.getFields();
        for (const field of requiredFields as FieldDefinitionNode[]) {
          const coordinate = `${typeName}.${field.name.value}`;
          const apiField = apiFields[field.name.value];
          if (!apiField) {
            problem(coordinate, 'field is missing');
            continue;
          }
          compareType(coordinate, field.type, apiField, problem);
          compareArguments(coordinate, field.arguments ?? [], apiField, problem);
        }
        break;
      }
      case Kind.INPUT_OBJECT_TYPE_DEFINITION: {
        if (!isInputObjectType(apiType)) {
          problem(typeName, 'is not an input type in the API schema');
          break;
        }
        const apiFields = apiType.getFields();
        for (const field of requiredFields as InputValueDefinitionNode[]) {
          const coordinate = `${typeName}.${field.name.value}`;
          const apiField = apiFields[field.name.value];
          if (!apiField) problem(coordinate, 'input field is missing');
          else compareInputValue(coordinate, field, apiField, problem);
        }
        for (const extra of Object.values(apiFields)) {
          if (!def.fields?.some((f) => f.name.value === extra.name) && isRequiredInput(extra)) {
            problem(`${typeName}.${extra.name}`, 'added input field is required; additions must be optional');
          }
        }
        break;
      }
      case Kind.ENUM_TYPE_DEFINITION: {
        if (!isEnumType(apiType)) {
          problem(typeName, 'is not an enum in the API schema');
          break;
        }
        for (const value of def.values ?? []) {
          if (!apiType.getValue(value.name.value))
            problem(`${typeName}.${value.name.value}`, 'enum value is missing');
        }
        break;
      }
      case Kind.SCALAR_TYPE_DEFINITION:
        break;
      default:
        problem(typeName, `unsupported contract definition kind ${def.kind}`);
    }
  }
  return problems;
}

type Report = (coordinate: string, message: string) => void;

function compareType(coordinate: string, expected: ASTNode, actual: { type: unknown }, problem: Report) {
  const want = print(expected);
  const got = String(actual.type);
  if (want !== got) problem(coordinate, `type is ${got}, the contract says ${want}`);
}

function compareArguments(
  coordinate: string,
  expected: readonly InputValueDefinitionNode[],
  apiField: GraphQLField<unknown, unknown>,
  problem: Report,
) {
  for (const arg of expected) {
    const apiArg = apiField.args.find((a) => a.name === arg.name.value);
    if (!apiArg) problem(`${coordinate}(${arg.name.value}:)`, 'argument is missing');
    else compareInputValue(`${coordinate}(${arg.name.value}:)`, arg, apiArg, problem);
  }
  for (const apiArg of apiField.args) {
    if (!expected.some((a) => a.name.value === apiArg.name) && isRequiredInput(apiArg)) {
      problem(`${coordinate}(${apiArg.name}:)`, 'added argument is required; additions must be optional');
    }
  }
}

function compareInputValue(
  coordinate: string,
  expected: InputValueDefinitionNode,
  actual: GraphQLArgument | GraphQLInputField,
  problem: Report,
) {
  compareType(coordinate, expected.type, actual, problem);
  const want = expected.defaultValue ? print(expected.defaultValue) : undefined;
  const gotAst =
    actual.defaultValue === undefined ? undefined : astFromValue(actual.defaultValue, actual.type);
  const got = gotAst ? print(gotAst) : undefined;
  if (want !== got) problem(coordinate, `default is ${got ?? 'none'}, the contract says ${want ?? 'none'}`);
}

function isRequiredInput(value: GraphQLArgument | GraphQLInputField): boolean {
  return isNonNullType(value.type) && value.defaultValue === undefined;
}

/** Who owns what, read from the contract text itself. */
class ContractOwnership {
  private readonly lines: string[];
  private readonly lineStarts: number[] = [];

  constructor(private readonly sdl: string) {
    this.lines = sdl.split('\n');
    let offset = 0;
    for (const line of this.lines) {
      this.lineStarts.push(offset);
      offset += line.length + 1;
    }
  }

  ownerOfType(def: DefinitionNode & { name?: { value: string } }): string | undefined {
    const name = def.name?.value ?? '';
    if (COMMON_OWNERS[name]) return COMMON_OWNERS[name];
    const line = this.lineOf(def.loc?.start ?? 0);
    for (let i = line; i >= 0; i--) {
      const section = this.lines[i]!.match(/^#\s*-{8,}\s*(\w+)/);
      if (section) return asSubgraph(section[1]);
    }
    return undefined;
  }

  /** A field's own owner when it differs from its type's: root fields and "<name> subgraph" fields. */
  ownerOfField(
    typeDef: DefinitionNode & { name?: { value: string } },
    field: FieldDefinitionNode | InputValueDefinitionNode,
  ): string | undefined {
    if (typeDef.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) return undefined;
    const description = field.description?.value.trim() ?? '';
    const fromDescription = asSubgraph(description.match(/^(\w+)/)?.[1]);
    const typeName = typeDef.name?.value ?? '';
    if (ROOT_TYPES.has(typeName)) {
      if (fromDescription) return fromDescription;
      // Mutation groups its fields under `# users`-style comments.
      for (let i = this.lineOf(field.loc?.start ?? 0); i >= this.lineOf(typeDef.loc?.start ?? 0); i--) {
        const group = this.lines[i]!.match(/^\s*#\s*(\w+)/);
        if (group && asSubgraph(group[1])) return asSubgraph(group[1]);
      }
      return undefined;
    }
    return /^\w+ subgraph\b/.test(description) ? fromDescription : undefined;
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function asSubgraph(word: string | undefined): string | undefined {
  return word && (SUBGRAPHS as readonly string[]).includes(word) ? word : undefined;
}

/**
 * The contract's `AddressInput` (schema/contract.graphql), as users' address book and orders'
 * shipping address both take it: the one TypeScript shape of it. Each subgraph validates it by its
 * own rules.
 */
export interface AddressInput {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  country: string;
  phone?: string | null;
}

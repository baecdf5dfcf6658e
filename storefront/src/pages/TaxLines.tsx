import { Fragment } from 'react';
import type { OrderFieldsFragment } from '../graphql-types';

/**
 * Tax lines as the API gives them (a cart's quote or an order), one `<dt>`/`<dd>` pair each, for a
 * totals list: "Includes …" where the prices contain the tax, the rate's name where it is added.
 */
export function TaxLines({
  lines,
  pricesIncludeTax,
}: {
  lines: OrderFieldsFragment['taxLines'];
  pricesIncludeTax: boolean;
}) {
  return (
    <>
      {lines.map((line, i) => (
        <Fragment key={`${line.name}-${i}`}>
          <dt>{pricesIncludeTax ? `Includes ${line.name}` : line.name}</dt>
          <dd>{line.amount.formatted}</dd>
        </Fragment>
      ))}
    </>
  );
}

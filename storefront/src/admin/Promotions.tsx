import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ADMIN_PROMOTIONS, SET_PROMOTION_ACTIVE } from '../graphql';
import type { AdminPromotionFieldsFragment } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { CursorPager, Loading, Problems, StatusBadge } from '../ui';

type Promotion = AdminPromotionFieldsFragment;

// A page of the list. The API answers a plain list, paged by the last id of the previous page:
// one more than the page is asked for, so that the extra one tells whether an older page exists.
const PAGE_SIZE = 25;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a promotion is taken off: "the order", "2 products", "categories shoes, hats". */
function targetWords(promotion: Promotion): string {
  if (promotion.target === 'PRODUCTS') return plural(promotion.productIds.length, 'product');
  if (promotion.target === 'CATEGORIES')
    return `${promotion.categorySlugs.length === 1 ? 'category' : 'categories'} ${promotion.categorySlugs.join(', ')}`;
  return 'the order';
}

/** "Buy 2 get 1 free", "Buy 1 get 1 at 50% off" (of another product when it names one). */
function buyXGetY(promotion: Promotion): string {
  const reward =
    promotion.getPercentOff == null || promotion.getPercentOff >= 100
      ? 'free'
      : `at ${promotion.getPercentOff}% off`;
  const other =
    promotion.getProductId && promotion.getProductId !== promotion.buyProductId ? ' of another product' : '';
  return `Buy ${promotion.buyQuantity ?? 1} get ${promotion.getQuantity ?? 1}${other} ${reward}`;
}

/** What the promotion gives, in a merchant's words: "15% off the order", "€5.00 off the order". */
export function describeOffer(promotion: Promotion): string {
  const minimum = promotion.minSubtotal ? `, on a subtotal from ${promotion.minSubtotal.formatted}` : '';
  switch (promotion.kind) {
    case 'PERCENTAGE':
      return `${promotion.percentOff}% off ${targetWords(promotion)}${minimum}`;
    case 'FIXED_AMOUNT':
      return `${promotion.amountOff?.formatted ?? 'An amount'} off ${targetWords(promotion)}${minimum}`;
    case 'BUY_X_GET_Y':
      return `${buyXGetY(promotion)}${minimum}`;
    case 'FREE_SHIPPING':
      return `Free shipping${minimum}`;
  }
}

/** "0 of 100 used", or "3 used, unlimited". */
export function usageWords(promotion: Promotion): string {
  return promotion.usageLimit == null
    ? `${promotion.timesRedeemed} used, unlimited`
    : `${promotion.timesRedeemed} of ${promotion.usageLimit} used`;
}

/** How it applies: automatically or by code, alone or with others. */
export function applyWords(promotion: Promotion): string {
  return `${promotion.automatic ? 'Automatic' : 'By code'}, ${promotion.combinable ? 'combinable' : 'not combinable'}`;
}

export function When({ at }: { at: string }) {
  return <time dateTime={at}>{new Date(at).toLocaleString()}</time>;
}

export function PromotionWindow({ promotion }: { promotion: Promotion }) {
  return (
    <>
      From <When at={promotion.startsAt} />
      {promotion.endsAt ? (
        <>
          {' '}
          to <When at={promotion.endsAt} />
        </>
      ) : (
        ', no end'
      )}
    </>
  );
}

export function PromotionsPage() {
  usePageTitle('Promotions');
  const [after, setAfter] = useState<string[]>([]);
  const { data, loading, error } = useQuery(ADMIN_PROMOTIONS, {
    variables: { first: PAGE_SIZE + 1, after: after.at(-1) ?? null },
    fetchPolicy: 'cache-and-network',
  });
  const [done, setDone] = useState<string | null>(null);
  const promotions = data?.promotions.slice(0, PAGE_SIZE);
  const pageInfo = data && {
    hasNextPage: data.promotions.length > PAGE_SIZE,
    endCursor: promotions?.at(-1)?.id ?? null,
  };
  return (
    <>
      <h1 tabIndex={-1}>Promotions</h1>
      <div className="toolbar">
        <Link to="/admin/promotions/new" className="button">
          New promotion
        </Link>
      </div>
      <div role="status">{done && <p className="flash">{done}</p>}</div>
      <Problems error={error} />
      {loading && !data && <Loading what="promotions" />}
      {promotions && promotions.length === 0 && after.length === 0 && <p>No promotion yet.</p>}
      {promotions && promotions.length > 0 && (
        <>
          <p className="muted">
            {after.length === 0 && !pageInfo?.hasNextPage
              ? plural(promotions.length, 'promotion')
              : `Page ${after.length + 1}, newest first`}
          </p>
          <PromotionTable promotions={promotions} onDone={setDone} />
        </>
      )}
      <CursorPager after={after} setAfter={setAfter} pageInfo={pageInfo} />
    </>
  );
}

function PromotionTable({
  promotions,
  onDone,
}: {
  promotions: Promotion[];
  onDone: (message: string) => void;
}) {
  return (
    <table className="lines">
      <caption className="visually-hidden">Promotions, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Offer</th>
          <th scope="col">Codes</th>
          <th scope="col">Window</th>
          <th scope="col">Usage</th>
          <th scope="col">Applies</th>
          <th scope="col">Active</th>
        </tr>
      </thead>
      <tbody>
        {promotions.map((promotion) => (
          <tr key={promotion.id}>
            <td>
              <Link to={`/admin/promotions/${promotion.id}`}>{promotion.name}</Link>
            </td>
            <td>{describeOffer(promotion)}</td>
            <td>{promotion.codes.map((c) => c.code).join(', ') || <span className="muted">none</span>}</td>
            <td>
              <PromotionWindow promotion={promotion} />
            </td>
            <td>{usageWords(promotion)}</td>
            <td>{applyWords(promotion)}</td>
            <td>
              <ActiveToggle promotion={promotion} onDone={onDone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The promotion's state and the button that switches it. What shows is the API's answer (the
 * mutation's `active`, written to the cache), never the state the click asked for.
 */
export function ActiveToggle({
  promotion,
  onDone,
}: {
  promotion: Promotion;
  onDone: (message: string) => void;
}) {
  const [setActive, state] = useMutation(SET_PROMOTION_ACTIVE);
  const [error, setError] = useState<unknown>(null);
  const toggle = async () => {
    setError(null);
    try {
      const result = await setActive({ variables: { id: promotion.id, active: !promotion.active } });
      const active = result.data?.setPromotionActive.active;
      if (active !== undefined)
        onDone(`${promotion.name} is ${active ? 'on: it applies again' : 'off: it applies to nothing'}.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <StatusBadge status={promotion.active ? 'ACTIVE' : 'INACTIVE'} />{' '}
      <button type="button" className="link" disabled={state.loading} onClick={toggle}>
        {promotion.active ? 'Switch off' : 'Switch on'}{' '}
        <span className="visually-hidden">{promotion.name}</span>
      </button>
      <Problems error={error} />
    </>
  );
}

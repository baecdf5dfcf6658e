import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { REMOVE_FROM_WISHLIST, WISHLIST } from '../graphql';
import type { WishlistFieldsFragment } from '../graphql-types';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { Loading, Problems } from '../ui';
import { ProductCard } from './ProductCard';

type WishlistItem = WishlistFieldsFragment['wishlist'][number];

const GONE = 'A product that is no longer available';

/**
 * The products the shopper saved, oldest first as the API lists them, each as the catalog shows
 * it (price, stock) with the day it was saved and a Remove button. An item whose product the
 * catalog no longer resolves (`product: null`) stays listed, so that it can be removed.
 */
export function WishlistPage() {
  usePageTitle('Your wishlist');
  const session = useSession();
  const { data, loading, error } = useQuery(WISHLIST, { skip: !session });
  const [remove, removeState] = useMutation(REMOVE_FROM_WISHLIST);
  const [message, setMessage] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  if (!session)
    return (
      <>
        <h1 tabIndex={-1}>Your wishlist</h1>
        <p>
          <Link to="/signin?next=/wishlist">Sign in</Link> to see the products you saved.
        </p>
      </>
    );

  const onRemove = async (item: WishlistItem) => {
    setMessage('');
    setFailure(null);
    try {
      await remove({ variables: { productId: item.productId } });
      setMessage(`Removed ${item.product?.name ?? GONE.toLowerCase()} from your wishlist.`);
    } catch (err) {
      setFailure(err);
    }
  };
  const items = data?.me?.wishlist;
  return (
    <>
      <h1 tabIndex={-1}>Your wishlist</h1>
      {loading && !data && <Loading what="your wishlist" />}
      <Problems error={failure ?? error} />
      <p role="status" className={message ? 'success' : undefined}>
        {message}
      </p>
      {items && items.length === 0 && (
        <p>
          Nothing saved yet. <Link to="/products">Browse the shop</Link> and save what you like with “Save to
          wishlist” on its page.
        </p>
      )}
      {items && items.length > 0 && (
        <ul className="grid wishlist" aria-label="Saved products, oldest first">
          {items.map((item) => (
            <li key={item.productId}>
              <WishlistEntry item={item} busy={removeState.loading} onRemove={() => onRemove(item)} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function WishlistEntry({
  item,
  busy,
  onRemove,
}: {
  item: WishlistItem;
  busy: boolean;
  onRemove: () => void;
}) {
  const saved = `Saved on ${new Date(item.addedAt).toLocaleDateString()}`;
  return (
    <>
      {item.product ? (
        <ProductCard product={item.product} note={saved} />
      ) : (
        <article className="card">
          <div className="placeholder" aria-hidden="true">
            ?
          </div>
          <h3>{GONE}</h3>
          <p className="muted small">{saved}</p>
        </article>
      )}
      <button type="button" className="danger" disabled={busy} onClick={onRemove}>
        Remove<span className="visually-hidden"> {item.product?.name ?? GONE.toLowerCase()}</span>
      </button>
    </>
  );
}

import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ADD_TO_WISHLIST, REMOVE_FROM_WISHLIST, WISHLIST } from '../graphql';
import { Link } from '../router';
import { useSession } from '../session';
import { Problems } from '../ui';

interface SavedProduct {
  id: string;
  slug: string;
  name: string;
}

/**
 * The product page's wishlist toggle: a signed-in shopper saves the product or takes it off again;
 * a guest is offered to sign in and come back here. Whether it is saved is read from the same
 * wishlist query the wishlist page shows, and both mutations answer that list, so the two pages
 * agree without a reload.
 */
export function WishlistButton({ product }: { product: SavedProduct }) {
  const session = useSession();
  if (!session)
    return (
      <p>
        <Link to={`/signin?next=${encodeURIComponent(`/products/${product.slug}`)}`}>
          Sign in to save this product
        </Link>
      </p>
    );
  return <WishlistToggle product={product} />;
}

function WishlistToggle({ product }: { product: SavedProduct }) {
  const { data, error } = useQuery(WISHLIST);
  const [add, addState] = useMutation(ADD_TO_WISHLIST);
  const [remove, removeState] = useMutation(REMOVE_FROM_WISHLIST);
  const [message, setMessage] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const saved = data?.me?.wishlist.some((item) => item.productId === product.id) ?? false;

  const toggle = async () => {
    setMessage('');
    setFailure(null);
    const variables = { productId: product.id };
    try {
      if (saved) {
        await remove({ variables });
        setMessage(`Removed ${product.name} from your wishlist.`);
      } else {
        await add({ variables });
        setMessage(`Saved ${product.name} to your wishlist.`);
      }
    } catch (err) {
      setFailure(err);
    }
  };
  return (
    <div className="wishlist-toggle">
      {/* Until the wishlist is read, the button could not say which way it would go. */}
      <button
        type="button"
        className="secondary"
        aria-pressed={saved}
        disabled={!data || addState.loading || removeState.loading}
        onClick={toggle}
      >
        {saved ? 'Saved to wishlist' : 'Save to wishlist'}
      </button>
      <Problems error={failure ?? error} />
      {/* Always in the page, so that screen readers announce the message when it changes. */}
      <p role="status" className={message ? 'success' : undefined}>
        {message && (
          <>
            {message} <Link to="/wishlist">View wishlist</Link>
          </>
        )}
      </p>
    </div>
  );
}

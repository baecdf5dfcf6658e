import { useEffect } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { hasCode } from './errors';
import { ADD_TO_CART, CART } from './graphql';
import { getGuestCartId, getSession, setGuestCartId, useGuestCartId, useSession } from './session';

/**
 * The cart a page works on: a signed-in customer's own cart (no id), or the guest cart whose
 * token is kept in localStorage. `cartId` is what every cart mutation passes.
 */
export function useCart() {
  const session = useSession();
  const guestId = useGuestCartId();
  const cartId = session ? null : guestId;
  const skip = !session && !guestId;
  const result = useQuery(CART, { variables: { id: cartId }, skip });
  // A guest token the server no longer knows (expired after 7 days): forget it, start afresh.
  const expired = !session && !!guestId && hasCode(result.error, 'NOT_FOUND');
  useEffect(() => {
    if (expired) setGuestCartId(null);
  }, [expired]);
  return {
    cartId,
    cart: skip ? null : (result.data?.cart ?? null),
    loading: result.loading,
    error: result.error,
  };
}

/** addToCart that remembers a new guest cart's token. Without variantId: the product's default variant. */
export function useAddToCart() {
  const [mutate, state] = useMutation(ADD_TO_CART);
  const add = async (productId: string, quantity: number, variantId?: string) => {
    const session = getSession();
    const cartId = session ? null : getGuestCartId();
    const result = await mutate({
      variables: { cartId, productId, variantId, quantity },
      // The header badge and cart page read Query.cart(id): point it at the cart that came back.
      update(cache, { data }) {
        if (!data) return;
        cache.writeQuery({
          query: CART,
          variables: { id: session ? null : data.addToCart.id },
          data: { cart: data.addToCart },
        });
      },
    });
    if (!session && result.data && result.data.addToCart.id !== cartId)
      setGuestCartId(result.data.addToCart.id);
    return result.data?.addToCart;
  };
  return [add, state] as const;
}

/** Reviews steps shared by the browser journeys about reviews, sent through the gateway as a client would. */
import { randomUUID } from 'node:crypto';
import { awaitPayment, checkout, createPaymentIntent, mustSucceed, payWithTestCard } from './storefront';
import { type SignedInUser, type Supergraph } from './supergraph';

/** A new customer with a PAID order holding the product: one who may review it. */
export async function buyer(sg: Supergraph, productId: string, name: string): Promise<SignedInUser> {
  const customer = await sg.customer(name);
  const orderId = await checkout(sg, customer, productId, randomUUID());
  await awaitPayment(sg, customer, orderId);
  await payWithTestCard(sg, customer, orderId, await createPaymentIntent(sg, customer, orderId));
  return customer;
}

/** The product's visible reviews' texts, newest first, and its rating, as the API answers them to a guest. */
export async function apiReviews(sg: Supergraph, productId: string) {
  const answer = mustSucceed(
    await sg.query(
      'query($id: ID!) { product(id: $id) { rating { average count } reviews(first: 50) { edges { node { text } } } } }',
      { id: productId },
    ),
    'product reviews',
  );
  return {
    rating: answer.product.rating as { average: number | null; count: number },
    texts: (answer.product.reviews.edges as { node: { text: string } }[]).map((e) => e.node.text),
  };
}

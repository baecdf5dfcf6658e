import { createSubgraphClient, defineSubgraph } from '@novamart/kit';
import { reviewsConfigShape } from './config';
import { reviewsConsumer } from './events/handlers';
import { productRatingModel } from './models/product-rating';
import { purchaseModel } from './models/purchase';
import { reviewModel } from './models/review';
import { resolvers } from './resolvers';
import { Purchases } from './services/purchases';
import { ReviewService } from './services/review-service';

/** Reviews: customers who bought a product rate it; `Product.rating` and `Product.reviews`. */
export const reviewsSubgraph = defineSubgraph({
  name: 'reviews',
  port: 4011,
  configShape: reviewsConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const { mongo: conn, config } = runtime;
    const reviews = reviewModel(conn);
    const ratings = productRatingModel(conn);
    const purchasesModel = purchaseModel(conn);
    await Promise.all([reviews.init(), ratings.init(), purchasesModel.init()]);
    const purchases = new Purchases(
      purchasesModel,
      config.ORDERS_URL ? createSubgraphClient('orders', config.ORDERS_URL) : null,
    );
    const service = new ReviewService({ conn, reviews, ratings, purchases });
    return {
      context: () => ({ reviews: service }),
      consumers: [reviewsConsumer(purchases)],
    };
  },
});

export { reviewsConfigShape, type ReviewsConfig } from './config';
export { CONSUMER_GROUP, reviewsConsumer } from './events/handlers';
export { ReviewService, MAX_REVIEW_TEXT, MAX_AUTHOR_NAME } from './services/review-service';
export { Purchases } from './services/purchases';

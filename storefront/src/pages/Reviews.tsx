import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError, problemWith } from '../errors';
import { ADD_REVIEW, PRODUCT_REVIEWS } from '../graphql';
import type { ProductReviewsQuery } from '../graphql-types';
import { Link, useLocation } from '../router';
import { useSession } from '../session';
import { Field, fieldSetter, Loading, Problems, TextAreaField } from '../ui';

/** Reviews a page shows at first and "More reviews" adds each time. */
export const REVIEWS_PAGE = 5;
/** The API's limit (reviews' MAX_REVIEW_TEXT): the textarea stops there and counts towards it. */
const MAX_TEXT = 5000;
/** The API's limit on the name shown with a review (reviews' MAX_AUTHOR_NAME). */
const MAX_AUTHOR_NAME = 60;
const RATINGS = [5, 4, 3, 2, 1] as const;
const SECTION_ID = 'reviews';

type Rating = NonNullable<ProductReviewsQuery['product']>['rating'];
type OwnReview = NonNullable<NonNullable<ProductReviewsQuery['product']>['myReview']>;

const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/**
 * The first page of the product's reviews and its rating. The section and the summary by the price
 * ask it with the same variables, so Apollo sends it once and both follow the one cached answer
 * (a refetch after a new review updates both).
 */
function useProductReviews(productId: string) {
  return useQuery(PRODUCT_REVIEWS, { variables: { id: productId, first: REVIEWS_PAGE } });
}

/**
 * Five stars filled to `value` (a fraction fills part of a star). With `label` it is an image with
 * that text; without, it is decoration beside text that already says the rating, and screen
 * readers skip it rather than read the rating twice.
 */
function Stars({ value, label }: { value: number; label?: string }) {
  const a11y = label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true };
  return (
    <span className="stars" {...a11y}>
      <span className="stars-empty">☆☆☆☆☆</span>
      {/* Width through the CSSOM (React's style prop), which the gateway's CSP allows. */}
      <span className="stars-filled" style={{ width: `${(Math.min(5, Math.max(0, value)) / 5) * 100}%` }}>
        ★★★★★
      </span>
    </span>
  );
}

function reviewsCount(count: number): string {
  return `${count} review${count === 1 ? '' : 's'}`;
}

function RatingSummary({ rating }: { rating: Rating }) {
  if (rating.count === 0 || rating.average === null) return <p data-testid="rating">No reviews yet</p>;
  return (
    <p className="rating-summary">
      <Stars value={rating.average} />{' '}
      <span data-testid="rating">
        {oneDecimal.format(rating.average)} out of 5 · {reviewsCount(rating.count)}
      </span>
    </p>
  );
}

/** "★ 4.5 (2)" by the price, a link to the reviews; nothing while the product has none. */
export function RatingLink({ productId }: { productId: string }) {
  const rating = useProductReviews(productId).data?.product?.rating;
  if (!rating || rating.count === 0 || rating.average === null) return null;
  const average = oneDecimal.format(rating.average);
  return (
    <p className="rating-link">
      <a href={`#${SECTION_ID}`}>
        <span aria-hidden="true">
          ★ {average} ({rating.count})
        </span>
        <span className="visually-hidden">
          Rated {average} out of 5, {reviewsCount(rating.count)}
        </span>
      </a>
    </p>
  );
}

/** The product's "Reviews" section: the rating, the reviews newest first, and the form to write one. */
export function Reviews({ productId }: { productId: string }) {
  // Keyed by product: going from one product page to another ("Frequently bought together")
  // starts with an empty form and no "Thanks" or paging state of the product before.
  return <ReviewsSection key={productId} productId={productId} />;
}

function ReviewsSection({ productId }: { productId: string }) {
  const headingId = useId();
  const { data, loading, error, fetchMore, refetch } = useProductReviews(productId);
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const product = data?.product;

  const loadMore = async (after: string) => {
    setMore({ loading: true, error: null });
    try {
      await fetchMore({ variables: { after }, updateQuery: appendReviews });
      setMore({ loading: false, error: null });
    } catch (err) {
      setMore({ loading: false, error: err });
    }
  };

  return (
    <section id={SECTION_ID} aria-labelledby={headingId} className="reviews">
      <h2 id={headingId}>Reviews</h2>
      {loading && !data && <Loading what="the reviews" />}
      <Problems error={error} />
      {product && (
        <>
          <RatingSummary rating={product.rating} />
          {product.reviews.edges.length > 0 && (
            <ol className="plain review-list">
              {product.reviews.edges.map(({ node }) => (
                <li key={node.id} className="review">
                  <Stars value={node.rating} label={`${node.rating} out of 5 stars`} />{' '}
                  {/* Only buyers may review, so a review without a name is still a buyer's. */}
                  <span className="review-author">by {node.authorName ?? 'a verified buyer'}</span>
                  <span className="muted small">
                    {' · '}
                    <time dateTime={node.createdAt}>{new Date(node.createdAt).toLocaleDateString()}</time>
                  </span>
                  <p className="review-text">{node.text}</p>
                </li>
              ))}
            </ol>
          )}
          <Problems error={more.error} />
          {product.reviews.pageInfo.hasNextPage && product.reviews.pageInfo.endCursor && (
            <button
              type="button"
              className="secondary"
              disabled={more.loading}
              onClick={() => void loadMore(product.reviews.pageInfo.endCursor!)}
            >
              {more.loading ? 'Loading reviews…' : 'More reviews'}
            </button>
          )}
        </>
      )}
      {/* The customer reads their own review at once: refetch the first page, the rating and myReview. */}
      <WriteReview
        productId={productId}
        answered={Boolean(product)}
        mine={product?.myReview ?? null}
        onAdded={() => refetch()}
      />
    </section>
  );
}

/** The page of reviews after the ones shown, appended (pages are cut by cursor: none repeats). */
function appendReviews(
  prev: ProductReviewsQuery,
  { fetchMoreResult }: { fetchMoreResult: ProductReviewsQuery },
): ProductReviewsQuery {
  if (!prev.product || !fetchMoreResult.product) return prev;
  const next = fetchMoreResult.product;
  return {
    product: {
      ...next,
      reviews: { ...next.reviews, edges: [...prev.product.reviews.edges, ...next.reviews.edges] },
    },
  };
}

/**
 * A guest's link to sign in and come back here; a signed-in shopper's own review when they wrote
 * one (the API takes one per product), else the form once the API has said they have none.
 */
function WriteReview({
  productId,
  answered,
  mine,
  onAdded,
}: {
  productId: string;
  /** The product's reviews (and myReview) have been read: until then a form might be offered in vain. */
  answered: boolean;
  mine: OwnReview | null;
  onAdded: () => Promise<unknown>;
}) {
  const session = useSession();
  const { path } = useLocation();
  const [thanked, setThanked] = useState(false);
  if (!session)
    return (
      <p>
        <Link to={`/signin?next=${encodeURIComponent(path)}`}>Sign in to write a review</Link>
      </p>
    );
  if (thanked)
    return (
      <>
        <p role="status" className="success">
          Thanks for your review
        </p>
        {/* From the refetched query: if that failed, the thanks alone (the review is saved). */}
        {mine && <MyReview review={mine} />}
      </>
    );
  if (mine) return <MyReview review={mine} />;
  if (!answered) return null;
  return <ReviewForm productId={productId} onAdded={onAdded} onThanked={() => setThanked(true)} />;
}

/** The shopper's own review, hidden or not: nobody else sees a hidden one, so they are told. */
function MyReview({ review }: { review: OwnReview }) {
  return (
    <div className="my-review">
      <p>
        You reviewed this product on{' '}
        <time dateTime={review.createdAt}>{new Date(review.createdAt).toLocaleDateString()}</time>
      </p>
      <p>
        <Stars value={review.rating} label={`You rated it ${review.rating} out of 5 stars`} />
        {review.authorName && <span className="muted small"> Shown as {review.authorName}</span>}
      </p>
      {review.hidden && <p className="notice">Hidden by the shop</p>}
      <p className="my-review-text">{review.text}</p>
    </div>
  );
}

/**
 * "Write a review". The API holds every rule (a buyer, once per product, a rating of 1 to 5, up to
 * 5000 characters): its refusal is shown by the field it names, anything else above the button.
 */
function ReviewForm({
  productId,
  onAdded,
  onThanked,
}: {
  productId: string;
  onAdded: () => Promise<unknown>;
  onThanked: () => void;
}) {
  const id = useId();
  const [form, setForm] = useState({ rating: '', text: '', authorName: '' });
  const set = fieldSetter(setForm);
  const [add, state] = useMutation(ADD_REVIEW);
  const [error, setError] = useState<unknown>(null);
  const problems = describeError(error);
  const ratingError = problemWith(problems, 'rating');
  const textError = problemWith(problems, 'text');
  const nameError = problemWith(problems, 'authorName');
  const general = problems.filter((p) => !p.field || !/(^|\.)(rating|text|authorName)$/.test(p.field));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      // No rating chosen goes as 0, for the API to say what a rating must be. The name goes as
      // typed: the API trims it, and an empty one is none.
      const input = {
        productId,
        rating: Number(form.rating) || 0,
        text: form.text,
        authorName: form.authorName,
      };
      await add({ variables: { input } });
    } catch (err) {
      setError(err);
      return;
    }
    // The review is saved: a failed refetch must not offer the form again (a second one is refused).
    await onAdded().catch(() => undefined);
    onThanked();
  };

  return (
    <form onSubmit={onSubmit} className="narrow review-form" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Write a review</h3>
      <fieldset aria-describedby={ratingError ? `${id}-rating-error` : undefined}>
        <legend>Your rating</legend>
        {RATINGS.map((value) => (
          <div key={value} className="radio">
            <input
              type="radio"
              id={`${id}-rating-${value}`}
              name={`${id}-rating`}
              value={String(value)}
              checked={form.rating === String(value)}
              onChange={set('rating')}
            />
            <label htmlFor={`${id}-rating-${value}`}>
              {value} star{value === 1 ? '' : 's'}
            </label>
          </div>
        ))}
        {ratingError && (
          <small id={`${id}-rating-error`} className="field-error">
            {ratingError}
          </small>
        )}
      </fieldset>
      <ReviewTextFields form={form} set={set} textError={textError} nameError={nameError} />
      <Problems problems={general} />
      <button type="submit" disabled={state.loading}>
        {state.loading ? 'Sending…' : 'Submit review'}
      </button>
    </form>
  );
}

/** The review's text (with its count towards the limit) and the optional name shown with it. */
function ReviewTextFields({
  form,
  set,
  textError,
  nameError,
}: {
  form: { text: string; authorName: string };
  set: (key: 'text' | 'authorName') => (e: { target: { value: string } }) => void;
  textError: string | undefined;
  nameError: string | undefined;
}) {
  return (
    <>
      <TextAreaField
        label="Your review"
        rows={5}
        maxLength={MAX_TEXT}
        value={form.text}
        onChange={set('text')}
        hint={`${form.text.length} of ${MAX_TEXT} characters`}
        error={textError}
      />
      <Field
        label="Name shown with your review"
        autoComplete="nickname"
        maxLength={MAX_AUTHOR_NAME}
        value={form.authorName}
        onChange={set('authorName')}
        hint="Optional. Without one, the review says “by a verified buyer”."
        error={nameError}
      />
    </>
  );
}

import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { HIDE_REVIEW, MODERATION_REVIEWS, UNHIDE_REVIEW } from '../graphql';
import type { ModerationReviewsQuery, ReviewModerationFilter, ReviewVisibility } from '../graphql-types';
import { Link, useLocation, usePageTitle } from '../router';
import { CursorPager, Loading, Problems, SelectField, StatusBadge } from '../ui';

type ModeratedReview = ModerationReviewsQuery['moderationReviews']['edges'][number]['node'];

const PAGE = 20;
const VISIBILITIES: [ReviewVisibility, string][] = [
  ['ALL', 'All reviews'],
  ['VISIBLE', 'Shown on the product page'],
  ['HIDDEN', 'Hidden'],
];
/** Rating choices as `min-max` values; the complaints first, as moderators mostly look for them. */
const RATINGS: [string, string][] = [
  ['', 'Any rating'],
  ['1-2', '1–2 stars (complaints)'],
  ['1-1', '1 star'],
  ['2-2', '2 stars'],
  ['3-3', '3 stars'],
  ['4-4', '4 stars'],
  ['5-5', '5 stars'],
  ['4-5', '4–5 stars'],
];

function filterOf(
  visibility: ReviewVisibility,
  rating: string,
  productId: string | null,
): ReviewModerationFilter {
  const filter: ReviewModerationFilter = { visibility, ...(productId ? { productId } : {}) };
  if (!rating) return filter;
  const [minRating, maxRating] = rating.split('-').map(Number);
  return { ...filter, minRating, maxRating };
}

/**
 * Review moderation (SUPPORT or ADMIN): every review, hidden ones too, newest first
 * (`moderationReviews`, one page a request), with Hide / Restore. After either the list is read
 * again, so a review that no longer matches the filter leaves it. `?product=<id>` (the link on a
 * product's back-office page) narrows the list to that product's reviews.
 */
export function AdminReviewsPage() {
  usePageTitle('Reviews');
  const [visibility, setVisibility] = useState<ReviewVisibility>('ALL');
  const [rating, setRating] = useState('');
  const [after, setAfter] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const productId = useLocation().query.get('product');
  // Another product (or all of them): its list starts at its first page.
  useEffect(() => setAfter([]), [productId]);
  const filtered = visibility !== 'ALL' || rating !== '' || productId !== null;
  const { data, loading, error } = useQuery(MODERATION_REVIEWS, {
    variables: { filter: filterOf(visibility, rating, productId), first: PAGE, after: after.at(-1) ?? null },
    fetchPolicy: 'cache-and-network',
  });
  const reviews = data?.moderationReviews;
  const refilter = (change: () => void) => {
    setAfter([]);
    setDone(null);
    change();
  };
  return (
    <>
      <h1 tabIndex={-1}>Reviews</h1>
      <div className="inline-form wrap toolbar">
        <SelectField
          label="Show"
          value={visibility}
          options={VISIBILITIES}
          // An option of VISIBILITIES.
          onChange={(e) => refilter(() => setVisibility(e.target.value as ReviewVisibility))}
        />
        <SelectField
          label="Rating"
          value={rating}
          options={RATINGS}
          onChange={(e) => refilter(() => setRating(e.target.value))}
        />
      </div>
      {productId && (
        <p>
          The reviews of {reviews?.edges[0]?.node.product.name ?? 'one product'} only.{' '}
          <Link to="/admin/reviews">Show every product's reviews</Link>
        </p>
      )}
      <div role="status">{done && <p className="flash">{done}</p>}</div>
      <Problems error={error} />
      {loading && !data && <Loading what="reviews" />}
      {reviews && reviews.edges.length === 0 && (
        <p>{filtered ? 'No review matches these filters.' : 'No review has been written yet.'}</p>
      )}
      <ul className="plain">
        {reviews?.edges.map(({ node }) => (
          <ModeratedReviewItem key={node.id} review={node} onDone={setDone} />
        ))}
      </ul>
      <CursorPager after={after} setAfter={setAfter} pageInfo={reviews?.pageInfo} />
    </>
  );
}

function ModeratedReviewItem({
  review,
  onDone,
}: {
  review: ModeratedReview;
  onDone: (message: string) => void;
}) {
  const options = { refetchQueries: [MODERATION_REVIEWS], awaitRefetchQueries: true };
  const [hide, hideState] = useMutation(HIDE_REVIEW, options);
  const [unhide, unhideState] = useMutation(UNHIDE_REVIEW, options);
  const [error, setError] = useState<unknown>(null);
  const author = review.authorName ?? 'a verified buyer';
  const name = `Review by ${author} of ${review.product.name}`;
  const act = async () => {
    setError(null);
    try {
      if (review.hidden) await unhide({ variables: { id: review.id } });
      else await hide({ variables: { id: review.id } });
      onDone(`${name} ${review.hidden ? 'restored to' : 'hidden from'} the product page.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <li className="card wide" aria-label={name}>
      <p>
        <Link to={`/products/${review.product.slug}`}>{review.product.name}</Link> ·{' '}
        <span>{review.rating} out of 5 stars</span> · by {author} ·{' '}
        <time dateTime={review.createdAt}>{new Date(review.createdAt).toLocaleString()}</time>{' '}
        <StatusBadge status={review.hidden ? 'HIDDEN' : 'VISIBLE'} />
      </p>
      {/* Text as written: React escapes it, markup shows as typed. */}
      <p className="review-text">{review.text}</p>
      <ModerationHistory trail={review.auditTrail} />
      <button
        type="button"
        className={review.hidden ? undefined : 'danger'}
        disabled={hideState.loading || unhideState.loading}
        onClick={act}
      >
        {review.hidden ? 'Restore' : 'Hide'} <span className="visually-hidden">{name}</span>
      </button>
      <Problems error={error} />
    </li>
  );
}

/** Who hid and restored the review, oldest first ("Hidden by support on …"); nothing before the first. */
function ModerationHistory({ trail }: { trail: ModeratedReview['auditTrail'] }) {
  if (trail.length === 0) return null;
  return (
    <ul className="plain muted" aria-label="Moderation history">
      {trail.map((entry) => (
        <li key={`${entry.at}-${entry.action}`}>
          {entry.action === 'review.hidden' ? 'Hidden' : 'Restored'} by{' '}
          {entry.actor.role?.toLowerCase() ?? 'the system'} on{' '}
          <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>
        </li>
      ))}
    </ul>
  );
}

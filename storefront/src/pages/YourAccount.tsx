import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError, problemWith } from '../errors';
import { ACCOUNT, SET_PHONE } from '../graphql';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { Field, Loading, Problems, Section } from '../ui';
import { AddressBook } from './AddressBook';

/**
 * `/account`: who the customer is (name, email and whether it is verified), their phone number,
 * their address book, and the ways to their other pages. A guest is asked to sign in.
 */
export function YourAccountPage() {
  usePageTitle('Your account');
  const session = useSession();
  const { data, loading, error } = useQuery(ACCOUNT, { skip: !session });
  if (!session)
    return (
      <>
        <h1 tabIndex={-1}>Your account</h1>
        <p>
          <Link to="/signin?next=/account">Sign in</Link> to see your account and address book.
        </p>
      </>
    );
  const me = data?.me;
  return (
    <>
      <h1 tabIndex={-1}>Your account</h1>
      {loading && !data && <Loading what="your account" />}
      <Problems error={me ? undefined : error} />
      {me && (
        <>
          <Section title="Profile">
            <dl className="profile">
              <dt>Name</dt>
              <dd>{me.name ?? 'Not given'}</dd>
              <dt>Email</dt>
              <dd>
                {me.email}{' '}
                <span className={`badge ${me.emailVerified ? 'badge-verified' : 'badge-unverified'}`}>
                  {me.emailVerified ? 'verified' : 'not verified'}
                </span>
              </dd>
            </dl>
            <p>
              <Link to="/account/password">Change password</Link>
            </p>
          </Section>
          <PhoneForm phone={me.phone ?? null} />
          <AddressBook user={me} />
        </>
      )}
      <nav aria-label="Your pages">
        <ul className="account-links">
          <li>
            <Link to="/account/orders">Orders</Link>
          </li>
          <li>
            <Link to="/wishlist">Wishlist</Link>
          </li>
          <li>
            <Link to="/account/notifications">Messages</Link>
          </li>
        </ul>
      </nav>
    </>
  );
}

/** The phone number text messages go to: E.164 as the API checks it, empty (or Remove) clears it. */
function PhoneForm({ phone }: { phone: string | null }) {
  const [value, setValue] = useState(phone ?? '');
  // The mutation answers the User's phone, so the cache (and this page) holds the new number.
  const [save, state] = useMutation(SET_PHONE);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const problems = describeError(error);
  const submit = async (next: string) => {
    setError(null);
    setMessage('');
    try {
      const result = await save({ variables: { phone: next.trim() || null } });
      const saved = result.data?.setPhone.phone ?? null;
      setValue(saved ?? '');
      setMessage(saved ? `Your phone number is now ${saved}.` : 'Your phone number is removed.');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="Phone number">
      <p className="muted small">Current: {phone ?? 'none'}</p>
      <form
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          void submit(value);
        }}
      >
        <Field
          label="Phone number"
          type="tel"
          autoComplete="tel"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          hint="In international format, e.g. +15551234567; leave it empty to remove it."
          error={problemWith(problems, 'phone')}
        />
        <Problems problems={problems} />
        <button type="submit" disabled={state.loading}>
          Save phone number
        </button>{' '}
        {phone && (
          <button type="button" disabled={state.loading} onClick={() => void submit('')}>
            Remove phone number
          </button>
        )}
      </form>
      <p role="status" className={message ? 'success' : undefined}>
        {message}
      </p>
    </Section>
  );
}

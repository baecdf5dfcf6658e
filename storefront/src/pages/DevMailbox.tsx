import { useState, type FormEvent } from 'react';
import { useQuery } from '@apollo/client/react';
import { hasCode } from '../errors';
import { DEV_OUTBOX } from '../graphql';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { Loading, Problems } from '../ui';

/**
 * Development only: the messages the notifications subgraph's development outbox stored instead
 * of sending them (Query.devOutbox, FORBIDDEN in production and with SMTP_URL).
 */
export function DevMailboxPage() {
  usePageTitle('Development mailbox');
  const { query } = useLocation();
  const email = query.get('email') ?? '';
  const [text, setText] = useState(email);
  const { data, loading, error, refetch } = useQuery(DEV_OUTBOX, {
    variables: { recipient: email },
    skip: !email,
    fetchPolicy: 'network-only',
    // Mail is stored a moment after the event that sends it: the page keeps looking (reads only).
    pollInterval: 1000,
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/dev/mailbox?email=${encodeURIComponent(text.trim())}`);
  };
  return (
    <>
      <h1 tabIndex={-1}>Development mailbox</h1>
      <p className="notice">
        Without an SMTP server, NovaMart keeps outgoing mail in a development outbox. This page reads it; it
        is not available in production.
      </p>
      <form onSubmit={onSubmit} className="inline-form">
        <label htmlFor="mailbox-email">Email address</label>
        <input id="mailbox-email" type="email" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Open mailbox</button>
        {email && (
          <button type="button" className="secondary" onClick={() => void refetch()}>
            Refresh
          </button>
        )}
      </form>
      {loading && <Loading what="messages" />}
      {hasCode(error, 'FORBIDDEN') ? (
        <p className="problem">This shop sends real email: the development mailbox is switched off.</p>
      ) : (
        <Problems error={error} />
      )}
      {data && data.devOutbox.length === 0 && (
        <p>
          No message for {email} yet. Mail is stored within a second or two; this page checks every second.
        </p>
      )}
      <ul className="plain messages">
        {data?.devOutbox.map((m, i) => (
          <li key={i}>
            <h2 className="h3">{m.subject}</h2>
            <p className="muted small">
              To {m.to}, <time dateTime={m.storedAt}>{new Date(m.storedAt).toLocaleString()}</time>
            </p>
            <pre className="message-body">{m.text}</pre>
          </li>
        ))}
      </ul>
      {email && (
        <p>
          <Link to={`/verify?email=${encodeURIComponent(email)}`}>Enter a verification code for {email}</Link>
        </p>
      )}
    </>
  );
}

import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { MARK_READ, MY_NOTIFICATIONS } from '../graphql';
import { Link, usePageTitle } from '../router';
import { useSession } from '../session';
import { Loading, Problems } from '../ui';

export function NotificationsPage() {
  usePageTitle('Messages');
  const session = useSession();
  const { data, loading, error } = useQuery(MY_NOTIFICATIONS, { skip: !session });
  const [markRead] = useMutation(MARK_READ);
  const [problem, setProblem] = useState<unknown>(null);
  if (!session)
    return (
      <>
        <h1 tabIndex={-1}>Messages</h1>
        <p>
          <Link to="/signin?next=/account/notifications">Sign in</Link> to read your messages.
        </p>
      </>
    );
  const items = data?.myNotifications.edges.map((e) => e.node) ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Messages</h1>
      {loading && !data && <Loading what="your messages" />}
      <Problems error={error} />
      <Problems error={problem} />
      {data && items.length === 0 && <p>No messages yet.</p>}
      <ul className="plain messages">
        {items.map((n) => (
          <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
            <details
              onToggle={async (e) => {
                if (!(e.target as HTMLDetailsElement).open || n.readAt) return;
                try {
                  await markRead({ variables: { id: n.id } });
                } catch (err) {
                  setProblem(err);
                }
              }}
            >
              <summary>
                {!n.readAt && <span className="visually-hidden">Unread: </span>}
                {n.subject} <span className="muted small">{new Date(n.createdAt).toLocaleString()}</span>
              </summary>
              <pre className="message-body">{n.body}</pre>
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}

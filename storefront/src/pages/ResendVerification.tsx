import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { REQUEST_EMAIL_VERIFICATION } from '../graphql';
import { Problems } from '../ui';

/**
 * "Send a new code" for the address the verify form holds. The API answers true whether or not an
 * unverified account uses it (it mails only then), so the result is worded as a condition; its
 * errors are a bad address and too many requests from this client (RATE_LIMITED says when to retry).
 */
export function ResendVerificationCode({ email }: { email: string }) {
  const [request, state] = useMutation(REQUEST_EMAIL_VERIFICATION);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const address = email.trim();

  const onClick = async () => {
    setError(null);
    setSentTo(null);
    try {
      await request({ variables: { email: address } });
      setSentTo(address);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div>
      <p>
        No code, or it expired?{' '}
        <button type="button" className="secondary" onClick={onClick} disabled={state.loading || !address}>
          {state.loading ? 'Sending…' : 'Send a new code'}
        </button>
      </p>
      <p role="status" className={sentTo ? 'success' : undefined}>
        {sentTo &&
          `If ${sentTo} belongs to an account waiting for verification, we sent it a new code; earlier codes no longer work.`}
      </p>
      <Problems error={error} />
    </div>
  );
}

import { useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { describeError, problemWith, type Problem } from '../errors';
import { CHANGE_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../graphql';
import { Link, useLocation, usePageTitle } from '../router';
import { sessionFromAuthPayload, setSession, useSession } from '../session';
import { Field, fieldSetter, Problems } from '../ui';

/** The users subgraph's password policy (services/validation.ts), said before the API has to. */
export const PASSWORD_HINT =
  'At least 10 characters, with an upper-case letter, a lower-case letter and a digit; not a common password.';

/** The problems no field of the form shows, for the form's own alert. */
function unplaced(problems: Problem[], fields: string[]): Problem[] {
  return problems.filter((p) => !p.field || !fields.some((f) => problemWith([p], f)));
}

/** The new password of a reset or a change, with the policy said beside it. */
function NewPasswordField(props: {
  value: string;
  onChange: (event: { target: { value: string } }) => void;
  error: string | undefined;
}) {
  return (
    <Field
      label="New password"
      type="password"
      autoComplete="new-password"
      required
      hint={PASSWORD_HINT}
      {...props}
    />
  );
}

/**
 * "Forgot your password?": the API answers true whether or not an account uses the address (and
 * mails only when one does), so the page says the same either way and reveals nothing. A bad
 * address or too many requests from this client are the only errors, neither about the account.
 */
export function ForgotPasswordPage() {
  usePageTitle('Forgot your password?');
  const { query } = useLocation();
  const [request, state] = useMutation(REQUEST_PASSWORD_RESET);
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const problems = describeError(error);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSentTo(null);
    try {
      await request({ variables: { email: email.trim() } });
      setSentTo(email.trim());
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1 tabIndex={-1}>Forgot your password?</h1>
      <p>Tell us the email address of your account and we will mail it a code to set a new password.</p>
      <form onSubmit={onSubmit} className="narrow">
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={problemWith(problems, 'email')}
        />
        <Problems problems={unplaced(problems, ['email'])} />
        <button type="submit" disabled={state.loading}>
          {state.loading ? 'Sending…' : 'Send a reset code'}
        </button>
      </form>
      <div role="status">
        {sentTo !== null && (
          <p className="success">
            If an account uses that address, we've sent it a reset code. It works once, for an hour.
          </p>
        )}
      </div>
      {sentTo !== null && (
        <>
          <p>
            <Link to="/reset-password" className="button">
              Enter your reset code
            </Link>
          </p>
          <p className="muted small">
            Running NovaMart without an SMTP server? Read the code in the{' '}
            <Link to={`/dev/mailbox?email=${encodeURIComponent(sentTo)}`}>development mailbox</Link>.
          </p>
        </>
      )}
    </>
  );
}

/**
 * The reset code from the mail (also `?token=` prefilled) and a new password. The API refuses a
 * wrong, used or expired code on `token` and a weak password on `newPassword`; on success it has
 * signed the account out everywhere, this browser included if it was signed in.
 */
export function ResetPasswordPage() {
  usePageTitle('Set a new password');
  const { query } = useLocation();
  const [reset, state] = useMutation(RESET_PASSWORD);
  const [form, setForm] = useState({ token: query.get('token') ?? '', newPassword: '' });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const problems = describeError(error);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await reset({ variables: { token: form.token.trim(), newPassword: form.newPassword } });
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  if (done)
    return (
      <>
        <h1 tabIndex={-1}>Password changed</h1>
        <p role="status" className="success">
          Your password is changed, and every session of your account was signed out.
        </p>
        <p>
          <Link to="/signin" className="button">
            Sign in with your new password
          </Link>
        </p>
      </>
    );
  const set = fieldSetter(setForm);
  return (
    <>
      <h1 tabIndex={-1}>Set a new password</h1>
      <form onSubmit={onSubmit} className="narrow">
        <Field
          label="Reset code"
          autoComplete="one-time-code"
          spellCheck={false}
          required
          value={form.token}
          onChange={set('token')}
          hint="The code from the email we sent you (it starts with nmpr_)."
          error={problemWith(problems, 'token')}
        />
        <NewPasswordField
          value={form.newPassword}
          onChange={set('newPassword')}
          error={problemWith(problems, 'newPassword')}
        />
        <Problems problems={unplaced(problems, ['token', 'newPassword'])} />
        <button type="submit" disabled={state.loading}>
          {state.loading ? 'Saving…' : 'Set new password'}
        </button>
      </form>
      <p>
        No code, or it expired? <Link to="/forgot-password">Ask for a new one</Link>.
      </p>
    </>
  );
}

/**
 * A signed-in customer's password change. The API ends every session of the account, this one
 * included, and answers a new one for this browser: it replaces the stored session as sign-in
 * does, so the customer stays signed in.
 */
export function ChangePasswordPage() {
  usePageTitle('Change password');
  const session = useSession();
  const [change, state] = useMutation(CHANGE_PASSWORD);
  const [form, setForm] = useState({ currentPassword: '', newPassword: '' });
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const problems = describeError(error);
  if (!session)
    return (
      <>
        <h1 tabIndex={-1}>Change password</h1>
        <p>
          <Link to="/signin?next=/account/password">Sign in</Link> to change your password.
        </p>
      </>
    );

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage('');
    try {
      const payload = (await change({ variables: form })).data?.changePassword;
      if (!payload) return;
      setSession(sessionFromAuthPayload(payload));
      setForm({ currentPassword: '', newPassword: '' });
      setMessage(
        'Your password is changed. You are still signed in here; every other session was signed out.',
      );
    } catch (err) {
      setError(err);
    }
  };
  const set = fieldSetter(setForm);
  return (
    <>
      <h1 tabIndex={-1}>Change password</h1>
      <form onSubmit={onSubmit} className="narrow">
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={form.currentPassword}
          onChange={set('currentPassword')}
          error={problemWith(problems, 'currentPassword')}
        />
        <NewPasswordField
          value={form.newPassword}
          onChange={set('newPassword')}
          error={problemWith(problems, 'newPassword')}
        />
        <Problems problems={unplaced(problems, ['currentPassword', 'newPassword'])} />
        <button type="submit" disabled={state.loading}>
          {state.loading ? 'Saving…' : 'Change password'}
        </button>
      </form>
      <p role="status" className={message ? 'success' : undefined}>
        {message}
      </p>
      <p>
        Forgot your current password? <Link to="/forgot-password">Reset it by email</Link>.
      </p>
    </>
  );
}

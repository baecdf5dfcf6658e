import { useState, type FormEvent } from 'react';
import type { ApolloClient } from '@apollo/client';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { describeError, hasCode, problemWith } from '../errors';
import { LOGIN, MERGE_CART, REGISTER, VERIFY_EMAIL } from '../graphql';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { getGuestCartId, sessionFromAuthPayload, setGuestCartId, setSession } from '../session';
import { Field, fieldSetter, Problems, setFlash } from '../ui';
import { PASSWORD_HINT } from './Password';
import { ResendVerificationCode } from './ResendVerification';

/** Only same-site paths: `?next=` must not send a person elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** What the sign-in message adds about the device's guest cart, once it has joined the account's. */
async function mergeGuestCart(client: ApolloClient, guestCartId: string, accessToken: string) {
  try {
    const merged = await client.mutate({
      mutation: MERGE_CART,
      variables: { guestCartId },
      context: { headers: { authorization: `Bearer ${accessToken}` } },
    });
    setGuestCartId(null);
    const cart = merged.data?.mergeCart;
    let said = '';
    if (cart) said += ` Your cart now holds ${cart.itemCount} item${cart.itemCount === 1 ? '' : 's'}.`;
    if (cart?.removedItems.length) said += ' Some items could not be moved: see your cart.';
    return said;
  } catch (err) {
    // An expired guest cart has nothing to merge; anything else is worth telling.
    if (hasCode(err, 'NOT_FOUND')) {
      setGuestCartId(null);
      return '';
    }
    return ` Your guest cart could not be moved into your account: ${describeError(err)[0]?.message}`;
  }
}

/** Signing in, then on to `next` (a same-site path) with a message that says what became of the cart. */
function useSignIn(next: string) {
  const client = useApolloClient();
  const [login, state] = useMutation(LOGIN);
  const [error, setError] = useState<unknown>(null);
  const [merging, setMerging] = useState(false);
  const signIn = async (email: string, password: string) => {
    setError(null);
    let payload;
    try {
      payload = (await login({ variables: { email: email.trim(), password } })).data?.login;
    } catch (err) {
      setError(err);
      return;
    }
    if (!payload) return;
    // A guest cart on this device joins the account's cart before the session switches over.
    const guestCartId = getGuestCartId();
    let flash = `Signed in as ${payload.user.email}.`;
    if (guestCartId) {
      setMerging(true);
      try {
        flash += await mergeGuestCart(client, guestCartId, payload.accessToken);
      } finally {
        setMerging(false);
      }
    }
    setSession(sessionFromAuthPayload(payload));
    setFlash(flash, next);
    navigate(next, { replace: true });
  };
  return { signIn, busy: state.loading || merging, error };
}

export function SignInPage() {
  usePageTitle('Sign in');
  const { query } = useLocation();
  const { signIn, busy, error } = useSignIn(safeNext(query.get('next')));
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [password, setPassword] = useState('');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void signIn(email, password);
  };
  return (
    <>
      <h1 tabIndex={-1}>Sign in</h1>
      <form onSubmit={onSubmit} className="narrow">
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Problems error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        <Link to={`/forgot-password${email.trim() ? `?email=${encodeURIComponent(email.trim())}` : ''}`}>
          Forgot your password?
        </Link>
      </p>
      <p>
        New here? <Link to="/register">Create an account</Link>.
      </p>
    </>
  );
}

export function RegisterPage() {
  usePageTitle('Create an account');
  const [register, state] = useMutation(REGISTER);
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const problems = describeError(error);
  const fieldError = (name: string) => problemWith(problems, name);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await register({
        variables: {
          input: {
            email: form.email.trim(),
            password: form.password,
            ...(form.name.trim() ? { name: form.name.trim() } : {}),
          },
        },
      });
      const user = result.data?.register;
      if (user) navigate(`/verify?email=${encodeURIComponent(user.email)}&new=1`);
    } catch (err) {
      setError(err);
    }
  };
  const set = fieldSetter(setForm);
  return (
    <>
      <h1 tabIndex={-1}>Create an account</h1>
      <form onSubmit={onSubmit} className="narrow">
        <Field
          label="Name (optional)"
          autoComplete="name"
          value={form.name}
          onChange={set('name')}
          error={fieldError('name')}
        />
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={form.email}
          onChange={set('email')}
          error={fieldError('email')}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          value={form.password}
          onChange={set('password')}
          hint={PASSWORD_HINT}
          error={fieldError('password')}
        />
        <Problems
          problems={problems.filter((p) => !['name', 'email', 'password'].some((f) => problemWith([p], f)))}
        />
        <button type="submit" disabled={state.loading}>
          {state.loading ? 'Creating…' : 'Create account'}
        </button>
      </form>
    </>
  );
}

export function VerifyPage() {
  usePageTitle('Verify your email');
  const { query } = useLocation();
  const [verify, state] = useMutation(VERIFY_EMAIL);
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await verify({ variables: { email: email.trim(), code: code.trim() } });
      if (result.data?.verifyEmail.emailVerified) setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  if (done)
    return (
      <>
        <h1 tabIndex={-1}>Email verified</h1>
        <p role="status" className="success">
          Thank you, {email} is verified.
        </p>
        <p>
          <Link to={`/signin?email=${encodeURIComponent(email)}`} className="button">
            Sign in
          </Link>
        </p>
      </>
    );
  return (
    <>
      <h1 tabIndex={-1}>Verify your email</h1>
      {query.get('new') && (
        <p role="status">Your account was created. We sent a verification code to {email}.</p>
      )}
      <form onSubmit={onSubmit} className="narrow">
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label="Verification code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <Problems error={error} />
        <button type="submit" disabled={state.loading}>
          Verify
        </button>
      </form>
      <ResendVerificationCode email={email} />
      <p className="muted small">
        Running NovaMart without an SMTP server? Read the code in the{' '}
        <Link to={`/dev/mailbox?email=${encodeURIComponent(email)}`}>development mailbox</Link>.
      </p>
      <p>
        <Link to={`/signin?email=${encodeURIComponent(email)}`}>Skip for now and sign in</Link>
      </p>
    </>
  );
}

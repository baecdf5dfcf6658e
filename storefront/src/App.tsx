import { useEffect, useMemo, type ReactNode } from 'react';
import { ApolloProvider, useApolloClient } from '@apollo/client/react';
import { createApolloClient } from './apollo';
import { useCart } from './cart';
import { LOGOUT } from './graphql';
import { Link, match, navigate, useLocation } from './router';
import { getSession, setSession, useSession } from './session';
import { Flash } from './ui';
import { HomePage } from './pages/Home';
import { CatalogPage } from './pages/Catalog';
import { ProductPage } from './pages/Product';
import { CartPage } from './pages/Cart';
import { CheckoutPage } from './pages/Checkout';
import { OrderPage } from './pages/Order';
import { OrdersPage } from './pages/Orders';
import { NotificationsPage } from './pages/Notifications';
import { WishlistPage } from './pages/Wishlist';
import { YourAccountPage } from './pages/YourAccount';
import { RegisterPage, SignInPage, VerifyPage } from './pages/Account';
import { DevMailboxPage } from './pages/DevMailbox';
import { ChangePasswordPage, ForgotPasswordPage, ResetPasswordPage } from './pages/Password';
import { AdminPage, backOfficeHome } from './admin/Admin';

export function App() {
  const session = useSession();
  // One client per signed-in person: signing in or out starts from an empty cache, so nobody
  // sees what the previous person's queries left behind, and the subscription socket reconnects
  // with the new token.
  const userKey = session?.user.id ?? 'guest';
  const apollo = useMemo(() => createApolloClient(), [userKey]);
  useEffect(() => () => apollo.dispose(), [apollo]);
  return (
    <ApolloProvider client={apollo.client}>
      <Shell />
    </ApolloProvider>
  );
}

function CartLink() {
  const { cart } = useCart();
  const count = cart?.itemCount ?? 0;
  return (
    <Link to="/cart" aria-label={`Cart, ${count} item${count === 1 ? '' : 's'}`}>
      Cart{' '}
      <span className="count" aria-hidden="true">
        {count}
      </span>
    </Link>
  );
}

function Shell() {
  const session = useSession();
  const backOffice = backOfficeHome(session?.user.role);
  const client = useApolloClient();
  const signOut = async () => {
    const current = getSession();
    if (current) {
      // Ending the session server-side is best effort: the person is signed out here either way.
      await client
        .mutate({ mutation: LOGOUT, variables: { refreshToken: current.refreshToken } })
        .catch(() => undefined);
    }
    setSession(null);
    navigate('/');
  };
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          NovaMart
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to="/products">Shop</Link>
            </li>
            <li>
              <CartLink />
            </li>
            {session && (
              <>
                <li>
                  <Link to="/account/orders">Orders</Link>
                </li>
                <li>
                  <Link to="/wishlist">Wishlist</Link>
                </li>
                <li>
                  <Link to="/account/notifications">Messages</Link>
                </li>
                <li>
                  <Link to="/account">Account</Link>
                </li>
              </>
            )}
            {backOffice && (
              <li>
                <Link to={backOffice}>Back office</Link>
              </li>
            )}
            <li>
              {session ? (
                <button type="button" className="link" onClick={signOut}>
                  Sign out <span className="visually-hidden">{session.user.email}</span>
                </button>
              ) : (
                <Link to="/signin">Sign in</Link>
              )}
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Flash />
        <Routes />
      </main>
      <footer className="site-footer">
        <p>
          NovaMart reference storefront · <a href="/graphql">API</a>
        </p>
      </footer>
    </>
  );
}

function Routes(): ReactNode {
  const { path } = useLocation();
  let params: Record<string, string> | null;
  if (path === '/') return <HomePage />;
  if (path === '/products') return <CatalogPage />;
  if ((params = match('/products/:slug', path))) return <ProductPage slug={params.slug!} />;
  if (path === '/cart') return <CartPage />;
  if (path === '/checkout') return <CheckoutPage />;
  if ((params = match('/orders/:id', path))) return <OrderPage id={params.id!} />;
  if (path === '/account/orders') return <OrdersPage />;
  if (path === '/account/notifications') return <NotificationsPage />;
  if (path === '/wishlist') return <WishlistPage />;
  if (path === '/account') return <YourAccountPage />;
  if (path === '/signin') return <SignInPage />;
  if (path === '/register') return <RegisterPage />;
  if (path === '/verify') return <VerifyPage />;
  if (path === '/forgot-password') return <ForgotPasswordPage />;
  if (path === '/reset-password') return <ResetPasswordPage />;
  if (path === '/account/password') return <ChangePasswordPage />;
  if (path === '/dev/mailbox') return <DevMailboxPage />;
  if (path === '/admin' || path.startsWith('/admin/')) return <AdminPage path={path} />;
  return (
    <>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        <Link to="/">Back to the shop</Link>
      </p>
    </>
  );
}

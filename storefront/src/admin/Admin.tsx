import { Link, match, usePageTitle } from '../router';
import { useSession, type SessionUser } from '../session';
import { AdminProductsPage, EditProductPage, NewProductPage } from './Products';
import { AdminOrdersPage } from './Orders';
import { RefundsPage } from './Refunds';
import { LowStockPage } from './LowStock';
import { ReturnsQueuePage } from './Returns';

type Role = SessionUser['role'];

/** Sections and who besides ADMIN works in them (as the API allows: Query.returns for these roles). */
const SECTIONS: [string, string, Role[]][] = [
  ['/admin/products', 'Products', []],
  ['/admin/orders', 'Orders', []],
  ['/admin/returns', 'Returns', ['SUPPORT', 'DISPATCHER']],
  ['/admin/refunds', 'Refunds', []],
  ['/admin/low-stock', 'Low stock', []],
];

const sectionsFor = (role: Role) =>
  SECTIONS.filter(([, , roles]) => role === 'ADMIN' || roles.includes(role));

/** Where the storefront's "Back office" link leads a role; null: it has no section. */
export function backOfficeHome(role: Role | undefined): string | null {
  return role ? (sectionsFor(role)[0]?.[0] ?? null) : null;
}

/**
 * The back office: ADMIN, and SUPPORT and DISPATCHER for the returns queue alone (the API refuses
 * everyone else anyway; this only avoids showing forms that cannot work).
 */
export function AdminPage({ path }: { path: string }) {
  const session = useSession();
  const sections = session ? sectionsFor(session.user.role) : [];
  const allowed = session?.user.role === 'ADMIN' || sections.some(([to]) => path.startsWith(to));
  if (!session || !allowed) return <NotAllowed signedIn={!!session} />;
  let params: Record<string, string> | null;
  let page;
  if (path === '/admin/returns') page = <ReturnsQueuePage />;
  else if (path === '/admin/products/new') page = <NewProductPage />;
  else if ((params = match('/admin/products/:id', path))) page = <EditProductPage id={params.id!} />;
  else if (path === '/admin/orders') page = <AdminOrdersPage />;
  else if (path === '/admin/refunds') page = <RefundsPage />;
  else if (path === '/admin/low-stock') page = <LowStockPage />;
  else page = <AdminProductsPage />;
  return (
    <div className="admin">
      <nav aria-label="Back office" className="subnav">
        <ul>
          {sections.map(([to, label]) => (
            <li key={to}>
              <Link to={to} aria-current={path.startsWith(to) ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {page}
    </div>
  );
}

function NotAllowed({ signedIn }: { signedIn: boolean }) {
  usePageTitle('Back office');
  return (
    <>
      <h1 tabIndex={-1}>Back office</h1>
      <p>
        {signedIn ? 'This part of the back office is not open to your account. ' : ''}
        <Link to="/signin?next=/admin/products">Sign in as an administrator</Link> (or, for the returns queue,
        as support or a dispatcher) to continue.
      </p>
    </>
  );
}

import { Link, match, usePageTitle } from '../router';
import { useSession } from '../session';
import { AdminProductsPage, EditProductPage, NewProductPage } from './Products';
import { AdminOrdersPage } from './Orders';
import { RefundsPage } from './Refunds';
import { LowStockPage } from './LowStock';

const SECTIONS: [string, string][] = [
  ['/admin/products', 'Products'],
  ['/admin/orders', 'Orders'],
  ['/admin/refunds', 'Refunds'],
  ['/admin/low-stock', 'Low stock'],
];

/** The back office: ADMIN only (the API refuses everyone else anyway; this only avoids showing forms that cannot work). */
export function AdminPage({ path }: { path: string }) {
  const session = useSession();
  if (!session || session.user.role !== 'ADMIN') return <NotAllowed signedIn={!!session} />;
  let params: Record<string, string> | null;
  let page;
  if (path === '/admin/products/new') page = <NewProductPage />;
  else if ((params = match('/admin/products/:id', path))) page = <EditProductPage id={params.id!} />;
  else if (path === '/admin/orders') page = <AdminOrdersPage />;
  else if (path === '/admin/refunds') page = <RefundsPage />;
  else if (path === '/admin/low-stock') page = <LowStockPage />;
  else page = <AdminProductsPage />;
  return (
    <div className="admin">
      <nav aria-label="Back office" className="subnav">
        <ul>
          {SECTIONS.map(([to, label]) => (
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
        {signedIn ? 'The back office is for administrators. ' : ''}
        <Link to="/signin?next=/admin/products">Sign in as an administrator</Link> to continue.
      </p>
    </>
  );
}

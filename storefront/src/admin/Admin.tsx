import { Link, match, usePageTitle } from '../router';
import { useSession, type Session } from '../session';
import { AdminProductsPage, EditProductPage, NewProductPage } from './Products';
import { AdminOrdersPage } from './Orders';
import { RefundsPage } from './Refunds';
import { LowStockPage } from './LowStock';
import { ReturnsQueuePage } from './Returns';
import { AdminReviewsPage } from './Reviews';
import { PromotionsPage } from './Promotions';
import { NewPromotionPage } from './NewPromotion';
import { PromotionPage } from './PromotionDetail';
import { ShippingPage } from './Shipping';

type Role = Session['user']['role'];

/** Each section with the roles its API allows besides ADMIN (who may use every one). */
const SECTIONS: [string, string, Role[]][] = [
  ['/admin/products', 'Products', []],
  ['/admin/orders', 'Orders', []],
  ['/admin/returns', 'Returns', ['SUPPORT', 'DISPATCHER']],
  ['/admin/refunds', 'Refunds', []],
  ['/admin/low-stock', 'Low stock', []],
  ['/admin/reviews', 'Reviews', ['SUPPORT']],
  ['/admin/promotions', 'Promotions', []],
  ['/admin/shipping', 'Shipping & tax', []],
];

const sectionsFor = (role: Role) =>
  SECTIONS.filter(([, , roles]) => role === 'ADMIN' || roles.includes(role));

/** Where the header's "Back office" leads the role: its first section, or null when it has none. */
export function backOfficeHome(role: Role | undefined): string | null {
  return role ? (sectionsFor(role)[0]?.[0] ?? null) : null;
}

/**
 * The back office: ADMIN everywhere, SUPPORT and DISPATCHER in the returns queue, SUPPORT in review
 * moderation (the API refuses everyone else anyway; this only avoids showing forms that cannot work).
 */
export function AdminPage({ path }: { path: string }) {
  const session = useSession();
  const sections = session ? sectionsFor(session.user.role) : [];
  // `/admin` opens the role's first section; ADMIN gets the products for any other address.
  const section =
    path === '/admin'
      ? sections[0]?.[0]
      : (sections.find(([to]) => path.startsWith(to))?.[0] ??
        (session?.user.role === 'ADMIN' ? '/admin/products' : undefined));
  if (!session || !section) return <NotAllowed signedIn={!!session} path={path} />;
  // The address the page stands for: `/admin` is the role's first section.
  const at = path === '/admin' ? section : path;
  let params: Record<string, string> | null;
  let page;
  if (at === '/admin/returns') page = <ReturnsQueuePage />;
  else if (at === '/admin/reviews') page = <AdminReviewsPage />;
  else if (at === '/admin/products/new') page = <NewProductPage />;
  else if ((params = match('/admin/products/:id', at))) page = <EditProductPage id={params.id!} />;
  else if (at === '/admin/orders') page = <AdminOrdersPage />;
  else if (at === '/admin/refunds') page = <RefundsPage />;
  else if (at === '/admin/low-stock') page = <LowStockPage />;
  else if (at === '/admin/promotions') page = <PromotionsPage />;
  else if (at === '/admin/promotions/new') page = <NewPromotionPage />;
  else if ((params = match('/admin/promotions/:id', at))) page = <PromotionPage id={params.id!} />;
  else if (at === '/admin/shipping') page = <ShippingPage />;
  else page = <AdminProductsPage />;
  return (
    <div className="admin">
      <nav aria-label="Back office" className="subnav">
        <ul>
          {sections.map(([to, label]) => (
            <li key={to}>
              <Link to={to} aria-current={at.startsWith(to) ? 'page' : undefined}>
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

function NotAllowed({ signedIn, path }: { signedIn: boolean; path: string }) {
  usePageTitle('Back office');
  return (
    <>
      <h1 tabIndex={-1}>Back office</h1>
      <p>
        {signedIn ? 'This part of the back office is not open to your account. ' : ''}
        <Link to={`/signin?next=${encodeURIComponent(path)}`}>Sign in with a staff account</Link> to continue.
      </p>
    </>
  );
}

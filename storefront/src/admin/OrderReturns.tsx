import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError, problemWith } from '../errors';
import { ADMIN_ORDER_RETURNS, APPROVE_RETURN, RECEIVE_RETURN, REJECT_RETURN } from '../graphql';
import type { ReturnFieldsFragment, ReturnStatus } from '../graphql-types';
import { Field, Loading, Problems, StatusBadge } from '../ui';

/** "1 × MUG-1, 2 × LAMP-1": the back office names a return's lines by SKU. */
function returnedSkus(request: ReturnFieldsFragment): string {
  return request.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
}

/**
 * What a received return did with its lines: "Restocked" or "Written off" when all went one way,
 * else "Back in stock: 2 × LAMP-1 · Written off: 1 × MUG-1" (a line's own choice, the return's
 * when the API has none for it).
 */
function receivedWords(request: ReturnFieldsFragment): string {
  const restocked = (line: ReturnFieldsFragment['lines'][number]) => line.restocked ?? request.restocked;
  const back = request.lines.filter((line) => restocked(line));
  const off = request.lines.filter((line) => !restocked(line));
  if (off.length === 0) return 'Restocked';
  if (back.length === 0) return 'Written off';
  const skus = (lines: typeof back) => lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
  return `Back in stock: ${skus(back)} · Written off: ${skus(off)}`;
}

const STATUS_WORDS: Partial<Record<ReturnStatus, string>> = {
  REQUESTED: 'awaiting a decision',
  APPROVED: 'approved, awaiting the parcel',
};

/** "1 awaiting a decision, 1 received": the returns of an order by status, in the order list. */
function summary(returns: readonly { status: ReturnStatus }[]): string {
  const counts = new Map<ReturnStatus, number>();
  for (const { status } of returns) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts]
    .map(([status, count]) => `${count} ${STATUS_WORDS[status] ?? status.toLowerCase()}`)
    .join(', ');
}

/**
 * The returns of one order in the back office's order list: how many, by status, and, once opened,
 * each with what can be done next: approve or reject (with a reason) a requested one, receive an
 * approved one. The list's query selects only their statuses (all their lines on a page of orders
 * would cost more than MAX_QUERY_COST); opening them asks for this order's returns alone.
 */
export function AdminOrderReturns({
  order,
  label,
}: {
  order: { id: string; returns: readonly { status: ReturnStatus }[] };
  label: string;
}) {
  const headingId = useId();
  const panelId = useId();
  const [open, setOpen] = useState(false);
  return (
    <section aria-labelledby={headingId} className="admin-returns">
      <h2 id={headingId}>Returns of order {label}</h2>
      <p>
        {summary(order.returns)}{' '}
        <button
          type="button"
          className="secondary"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? 'Hide returns' : 'Show returns'}
          <span className="visually-hidden"> of order {label}</span>
        </button>
      </p>
      <div id={panelId}>{open && <ReturnsPanel orderId={order.id} />}</div>
    </section>
  );
}

function ReturnsPanel({ orderId }: { orderId: string }) {
  const { data, loading, error } = useQuery(ADMIN_ORDER_RETURNS, { variables: { id: orderId } });
  const order = data?.order;
  return (
    <>
      {loading && !data && <Loading what="the returns" />}
      <Problems error={error} />
      {order && (
        <>
          <ol className="plain">
            {order.returns.map((request) => (
              <AdminReturn key={request.id} request={request} />
            ))}
          </ol>
          {order.amountRefunded.amount > 0 && (
            <p className="muted small">Refunded on this order: {order.amountRefunded.formatted}</p>
          )}
        </>
      )}
    </>
  );
}

/**
 * One return with what can be done next, here and in the returns queue (admin/Returns.tsx), which
 * puts its order in `children` and, by `onDone`, reads its list again after an action: the return
 * leaves that list, so the queue, not the row, says what the action did.
 */
export function AdminReturn({
  request,
  children,
  onDone,
  canDecide = true,
}: {
  request: ReturnFieldsFragment;
  children?: ReactNode;
  onDone?: (done: string) => void;
  /** False for a DISPATCHER, whom the API refuses approveReturn and rejectReturn. */
  canDecide?: boolean;
}) {
  const titleId = useId();
  // What the last action did, kept while the return moves on (its form goes, the result stays).
  const [done, setDone] = useState('');
  const [error, setError] = useState<unknown>(null);
  const act = async (action: () => Promise<string>) => {
    setDone('');
    setError(null);
    try {
      const result = await action();
      if (onDone) onDone(result);
      else setDone(result);
    } catch (err) {
      setError(err);
    }
  };
  const problems = describeError(error);
  const general = problems.filter((p) => p.field !== 'reason' && p.field !== 'restock');
  return (
    <li className="return" aria-labelledby={titleId}>
      <p id={titleId}>
        Return of {returnedSkus(request)} · {request.amount.formatted} <StatusBadge status={request.status} />
      </p>
      {children}
      <p className="muted small">
        Requested <time dateTime={request.requestedAt}>{new Date(request.requestedAt).toLocaleString()}</time>{' '}
        · Customer&apos;s reason: {request.reason}
      </p>
      {request.decisionReason && <p className="muted small">Decision: {request.decisionReason}</p>}
      {request.status === 'RECEIVED' && <p className="muted small">{receivedWords(request)}</p>}
      {request.status === 'REQUESTED' && !canDecide && (
        <p className="muted small">Awaiting support&apos;s decision.</p>
      )}
      {request.status === 'REQUESTED' && canDecide && (
        <DecisionForm returnId={request.id} act={act} reasonError={problemWith(problems, 'reason')} />
      )}
      {request.status === 'APPROVED' && (
        <ReceiveForm request={request} act={act} restockError={problemWith(problems, 'restock')} />
      )}
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <Problems problems={general} />
    </li>
  );
}

type Act = (action: () => Promise<string>) => Promise<void>;

/** Approve (reason optional) or reject (reason required: the API says so by the field). */
function DecisionForm({
  returnId,
  act,
  reasonError,
}: {
  returnId: string;
  act: Act;
  reasonError: string | undefined;
}) {
  const [reason, setReason] = useState('');
  const [approve, approving] = useMutation(APPROVE_RETURN);
  const [reject, rejecting] = useMutation(REJECT_RETURN);
  const busy = approving.loading || rejecting.loading;
  return (
    <form className="inline-form wrap" noValidate onSubmit={(e) => e.preventDefault()}>
      <Field
        label="Reason for the decision"
        hint="Required to reject; optional to approve."
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        error={reasonError}
      />
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          act(async () => {
            await approve({ variables: { returnId, reason: reason.trim() || null } });
            return 'Return approved: receive it when the parcel arrives.';
          })
        }
      >
        Approve
      </button>
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() =>
          act(async () => {
            await reject({ variables: { returnId, reason } });
            return 'Return rejected.';
          })
        }
      >
        Reject
      </button>
    </form>
  );
}

/** "2 back in stock, 1 written off": units of the lines received each way. */
function receivedUnits(lines: readonly { quantity: number }[], restocked: readonly boolean[]): string {
  const units = (back: boolean) =>
    lines.reduce((sum, line, i) => sum + (restocked[i] === back ? line.quantity : 0), 0);
  return `${units(true)} back in stock, ${units(false)} written off`;
}

/**
 * The parcel arrived: back in stock or written off, for the whole return and, line by line, the
 * exceptions (a damaged item written off, the intact ones restocked). A line follows the whole
 * return's choice until it is ticked otherwise; choosing for the whole return again resets them.
 * Only the lines received otherwise than the whole return go to the API (`lines`). Payments
 * refunds the return's amount either way.
 */
function ReceiveForm({
  request,
  act,
  restockError,
}: {
  request: ReturnFieldsFragment;
  act: Act;
  restockError: string | undefined;
}) {
  const id = useId();
  const [restock, setRestock] = useState(true);
  const [own, setOwn] = useState<Record<string, boolean>>({});
  const [receive, receiving] = useMutation(RECEIVE_RETURN);
  const chosen = request.lines.map((line) => own[line.variantId] ?? restock);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const lines = request.lines
      .map((line, i) => ({ variantId: line.variantId, restock: chosen[i]! }))
      .filter((line) => line.restock !== restock);
    void act(async () => {
      const result = await receive({
        variables: { returnId: request.id, restock, lines: lines.length > 0 ? lines : null },
      });
      const received = result.data?.receiveReturn;
      // The refund is payments' (asked by receiveReturn, or by return.received just after): the
      // panel's refunded total shows it once the order records it.
      const refund = received ? ` Its refund of ${received.amount.formatted} goes to the customer.` : '';
      const how =
        lines.length > 0
          ? `: ${receivedUnits(request.lines, chosen)}`
          : restock
            ? ' and restocked'
            : ' and written off';
      return `Return received${how}.${refund}`;
    });
  };
  return (
    <form className="inline-form wrap" onSubmit={onSubmit}>
      <fieldset aria-describedby={restockError ? `${id}-error` : undefined}>
        <legend>The returned items</legend>
        {[
          [true, 'Back in stock'],
          [false, 'Written off'],
        ].map(([value, text]) => (
          <div key={String(value)} className="radio">
            <input
              type="radio"
              id={`${id}-${String(value)}`}
              name={`${id}-restock`}
              checked={restock === value}
              onChange={() => {
                setRestock(value as boolean);
                setOwn({});
              }}
            />
            <label htmlFor={`${id}-${String(value)}`}>{text}</label>
          </div>
        ))}
        {restockError && (
          <small id={`${id}-error`} className="field-error">
            {restockError}
          </small>
        )}
      </fieldset>
      {request.lines.length > 1 && (
        <LineChoices
          lines={request.lines}
          chosen={chosen}
          choose={(variantId, restocked) => setOwn((current) => ({ ...current, [variantId]: restocked }))}
        />
      )}
      <button type="submit" disabled={receiving.loading}>
        Receive
      </button>
    </form>
  );
}

/** One checkbox per line of the return: ticked, back in stock; cleared, written off. */
function LineChoices({
  lines,
  chosen,
  choose,
}: {
  lines: ReturnFieldsFragment['lines'];
  chosen: readonly boolean[];
  choose: (variantId: string, restocked: boolean) => void;
}) {
  const id = useId();
  return (
    <fieldset>
      <legend>Line by line</legend>
      {lines.map((line, i) => (
        <div key={line.variantId} className="checkbox">
          <input
            type="checkbox"
            id={`${id}-${i}`}
            checked={chosen[i]}
            onChange={(e) => choose(line.variantId, e.target.checked)}
          />
          <label htmlFor={`${id}-${i}`}>
            {line.quantity} × {line.sku} back in stock
          </label>
        </div>
      ))}
    </fieldset>
  );
}

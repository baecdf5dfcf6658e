import { Fragment, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError, problemWith, type Problem } from '../errors';
import { ADMIN_ORDER_RETURNS, APPROVE_RETURN, RECEIVE_RETURN, REJECT_RETURN } from '../graphql';
import type { ReturnFieldsFragment, ReturnStatus } from '../graphql-types';
import { Field, Loading, Problems, StatusBadge } from '../ui';

/** "1 × MUG-1, 2 × LAMP-1": the back office names a return's lines by SKU. */
function returnedSkus(request: ReturnFieldsFragment): string {
  return request.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
}

type ReturnLine = ReturnFieldsFragment['lines'][number];

/**
 * What a received return did with its lines: "Restocked" or "Written off" when all went one way,
 * else "Back in stock: 2 × LAMP-1 · 2 of 3 × VASE-1 restocked · Written off: 1 × MUG-1" (a line's
 * own figures, the return's choice when the API has none for it).
 */
function receivedWords(request: ReturnFieldsFragment): string {
  const units = (line: ReturnLine) =>
    line.restockedQuantity ?? ((line.restocked ?? request.restocked) ? line.quantity : 0);
  const back = request.lines.filter((line) => units(line) === line.quantity);
  const off = request.lines.filter((line) => units(line) === 0);
  const part = request.lines.filter((line) => units(line) > 0 && units(line) < line.quantity);
  if (off.length === 0 && part.length === 0) return 'Restocked';
  if (back.length === 0 && part.length === 0) return 'Written off';
  const skus = (lines: typeof back) => lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ');
  return [
    ...(back.length > 0 ? [`Back in stock: ${skus(back)}`] : []),
    ...part.map((line) => `${units(line)} of ${line.quantity} × ${line.sku} restocked`),
    ...(off.length > 0 ? [`Written off: ${skus(off)}`] : []),
  ].join(' · ');
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
  // The receive form shows its own: the whole return's choice, and a line's units by the line.
  const general = problems.filter(
    (p) => p.field !== 'reason' && p.field !== 'restock' && !LINE_UNITS.test(p.field ?? ''),
  );
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
      {request.status === 'APPROVED' && <ReceiveForm request={request} act={act} problems={problems} />}
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

/** "2 back in stock, 1 written off": units of the lines received each way (`back`: each line's). */
function receivedUnits(lines: readonly { quantity: number }[], back: readonly number[]): string {
  const restocked = back.reduce((sum, units) => sum + units, 0);
  const total = lines.reduce((sum, line) => sum + line.quantity, 0);
  return `${restocked} back in stock, ${total - restocked} written off`;
}

/** A line's units the API refused (`lines[i].restockQuantity`, i the i-th line sent). */
const LINE_UNITS = /^lines\[(\d+)\]\.restockQuantity$/;

/**
 * Units of each line going back to stock: none of a line written off; of one back in stock, the
 * number typed for it (NaN when it is not a whole number), else every unit.
 */
function unitsBack(lines: readonly ReturnLine[], chosen: readonly boolean[], counts: Record<string, string>) {
  return lines.map((line, i) => {
    if (!chosen[i]) return 0;
    const raw = counts[line.variantId];
    if (raw === undefined) return line.quantity;
    const units = raw.trim() === '' ? NaN : Number(raw);
    return Number.isInteger(units) ? units : NaN;
  });
}

/**
 * The lines to send (`lines`): those received otherwise than the whole return, and those back in
 * stock with fewer units than returned (`restockQuantity`); the API checks the range.
 */
function receiptLines(
  lines: readonly ReturnLine[],
  restock: boolean,
  chosen: readonly boolean[],
  back: readonly number[],
) {
  return lines.flatMap((line, i) => {
    const partial = chosen[i]! && back[i] !== line.quantity;
    if (chosen[i] === restock && !partial) return [];
    return [
      { variantId: line.variantId, restock: chosen[i]!, ...(partial ? { restockQuantity: back[i]! } : {}) },
    ];
  });
}

/**
 * The parcel arrived: back in stock or written off, for the whole return and, line by line, the
 * exceptions (a damaged item written off, the intact ones restocked), and for a line of several
 * units back in stock how many go back (all until changed; the rest are written off). A line
 * follows the whole return's choice until it is ticked otherwise; choosing for the whole return
 * again resets them. Only the lines received otherwise than the whole return go to the API
 * (`lines`), which holds the rules on the units (`noValidate`: its refusal is shown by the line).
 * Payments refunds the return's amount either way.
 */
function ReceiveForm({
  request,
  act,
  problems,
}: {
  request: ReturnFieldsFragment;
  act: Act;
  problems: readonly Problem[];
}) {
  const [restock, setRestock] = useState(true);
  const [own, setOwn] = useState<Record<string, boolean>>({});
  const [counts, setCounts] = useState<Record<string, string>>({});
  // The lines last sent, by variant, to show the API's refusal of `lines[i]` by that line.
  const [sent, setSent] = useState<string[]>([]);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [receive, receiving] = useMutation(RECEIVE_RETURN);
  const chosen = request.lines.map((line) => own[line.variantId] ?? restock);
  const unitsErrors = { ...local, ...unitsProblems(problems, sent) };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const back = unitsBack(request.lines, chosen, counts);
    const wrong = request.lines.filter((_, i) => Number.isNaN(back[i]));
    setLocal(Object.fromEntries(wrong.map((line) => [line.variantId, 'Enter a whole number of units'])));
    if (wrong.length > 0) return;
    const lines = receiptLines(request.lines, restock, chosen, back);
    setSent(lines.map((line) => line.variantId));
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
          ? `: ${receivedUnits(request.lines, back)}`
          : restock
            ? ' and restocked'
            : ' and written off';
      return `Return received${how}.${refund}`;
    });
  };
  return (
    <form className="inline-form wrap" noValidate onSubmit={onSubmit}>
      <WholeReturnChoice
        restock={restock}
        error={problemWith(problems, 'restock')}
        choose={(value) => {
          setRestock(value);
          setOwn({});
          setCounts({});
        }}
      />
      {(request.lines.length > 1 || request.lines.some((line) => line.quantity > 1)) && (
        <LineChoices
          lines={request.lines}
          chosen={chosen}
          counts={counts}
          errors={unitsErrors}
          choose={(variantId, restocked) => {
            setOwn((current) => ({ ...current, [variantId]: restocked }));
            // Ticked back in stock again: every unit, until changed.
            setCounts(({ [variantId]: _dropped, ...rest }) => rest);
          }}
          count={(variantId, units) => setCounts((current) => ({ ...current, [variantId]: units }))}
        />
      )}
      <button type="submit" disabled={receiving.loading}>
        Receive
      </button>
    </form>
  );
}

/** The lines' units the API refused, by variant (`sent`: the variants of the lines sent, in order). */
function unitsProblems(problems: readonly Problem[], sent: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const at = LINE_UNITS.exec(problem.field ?? '');
    const variantId = at && sent[Number(at[1])];
    if (variantId) errors[variantId] = problem.message;
  }
  return errors;
}

/** Back in stock or written off, for the whole return (`restock`). */
function WholeReturnChoice({
  restock,
  error,
  choose,
}: {
  restock: boolean;
  error: string | undefined;
  choose: (restock: boolean) => void;
}) {
  const id = useId();
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
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
            onChange={() => choose(value as boolean)}
          />
          <label htmlFor={`${id}-${String(value)}`}>{text}</label>
        </div>
      ))}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </fieldset>
  );
}

/**
 * Per line of the return: a checkbox when it has several lines (ticked, back in stock; cleared,
 * written off), and for a line of several units back in stock, how many of them go back.
 */
function LineChoices({
  lines,
  chosen,
  counts,
  errors,
  choose,
  count,
}: {
  lines: ReturnFieldsFragment['lines'];
  chosen: readonly boolean[];
  counts: Record<string, string>;
  errors: Record<string, string>;
  choose: (variantId: string, restocked: boolean) => void;
  count: (variantId: string, units: string) => void;
}) {
  const id = useId();
  return (
    <fieldset>
      <legend>{lines.length > 1 ? 'Line by line' : 'Units'}</legend>
      {lines.map((line, i) => (
        <Fragment key={line.variantId}>
          {lines.length > 1 && (
            <div className="checkbox">
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
          )}
          {line.quantity > 1 && chosen[i] && (
            <Field
              label={`Units of ${line.sku} back in stock`}
              type="number"
              min={0}
              max={line.quantity}
              step={1}
              value={counts[line.variantId] ?? String(line.quantity)}
              onChange={(e) => count(line.variantId, e.target.value)}
              hint={`0 to ${line.quantity}; the rest are written off`}
              error={errors[line.variantId]}
            />
          )}
        </Fragment>
      ))}
    </fieldset>
  );
}

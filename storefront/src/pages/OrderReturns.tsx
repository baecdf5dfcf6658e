import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { describeError, type Problem } from '../errors';
import { ORDER_RETURNS, REQUEST_RETURN } from '../graphql';
import type {
  OrderFieldsFragment,
  OrderReturnsFieldsFragment,
  OrderStatus,
  ReturnFieldsFragment,
} from '../graphql-types';
import { Field, Problems, Section, StatusBadge, TextAreaField } from '../ui';
import { optionSummary } from '../variants';

type Item = OrderFieldsFragment['items'][number];
const UNSHIPPED: readonly OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'CANCELLED'];
/** The API's limit on a return's reason (orders' requiredText, 500). */
const MAX_REASON = 500;

/** "Mug (Red / M)": an order line as the customer knows it. */
function itemLabel(item: Item): string {
  return item.selectedOptions.length > 0
    ? `${item.name} (${optionSummary(item.selectedOptions)})`
    : item.name;
}

/** "1 × Mug, 2 × Lamp": a return's lines by the names of the order's lines. */
export function returnedGoods(lines: ReturnFieldsFragment['lines'], items: readonly Item[]): string {
  return lines
    .map((line) => {
      const item = items.find((candidate) => candidate.variantId === line.variantId);
      return `${line.quantity} × ${item ? itemLabel(item) : line.sku}`;
    })
    .join(', ');
}

/**
 * Units of each line (by variant) the customer may still ask to return: delivered, less those in
 * a return that was not rejected. The API decides (it also holds the return window, which it does
 * not publish); this only sizes the form and hides it when nothing is left.
 */
function returnableUnits(details: OrderReturnsFieldsFragment): Map<string, number> {
  const units = new Map<string, number>();
  for (const shipment of details.shipments)
    if (shipment.status === 'DELIVERED')
      for (const line of shipment.lines)
        units.set(line.variantId, (units.get(line.variantId) ?? 0) + line.quantity);
  for (const request of details.returns)
    if (request.status !== 'REJECTED')
      for (const line of request.lines)
        units.set(line.variantId, (units.get(line.variantId) ?? 0) - line.quantity);
  return units;
}

/**
 * The order page's "Returns": the order's returns with their status, and, while delivered units
 * can still be returned, the form to ask for a return. Shipments and returns come with their own
 * query; a requested return answers with its order's returns, so the list grows without a reload.
 */
export function OrderReturns({ order }: { order: OrderFieldsFragment }) {
  const { data, error } = useQuery(ORDER_RETURNS, {
    variables: { id: order.id },
    fetchPolicy: 'cache-and-network',
    // Before its first parcel leaves an order has nothing delivered, so no returns to read.
    skip: UNSHIPPED.includes(order.status),
  });
  const [requested, setRequested] = useState('');
  const details = data?.order;
  if (!details) return error ? <Problems error={error} /> : null;
  const units = returnableUnits(details);
  const returnable = order.items.filter((item) => (units.get(item.variantId) ?? 0) > 0);
  // A fully refunded order has nothing left to refund: no form, whatever was delivered.
  const canReturn = returnable.length > 0 && order.status !== 'REFUNDED';
  if (details.returns.length === 0 && !canReturn && !requested) return null;
  return (
    <Section title="Returns">
      {details.returns.length > 0 && <ReturnList returns={details.returns} items={order.items} />}
      {requested && (
        <p role="status" className="success">
          {requested}
        </p>
      )}
      {canReturn && (
        <ReturnForm
          orderId={order.id}
          items={returnable}
          units={units}
          onRequested={(created) =>
            setRequested(
              `Return requested: ${returnedGoods(created.lines, order.items)}. We will refund ${created.amount.formatted} once we receive it.`,
            )
          }
          onEdit={() => setRequested('')}
        />
      )}
    </Section>
  );
}

function ReturnList({ returns, items }: { returns: ReturnFieldsFragment[]; items: readonly Item[] }) {
  return (
    <ol className="plain return-list" aria-label="Your returns, oldest first">
      {returns.map((request) => (
        <li key={request.id} className="card wide">
          <p>
            <strong>Return of {returnedGoods(request.lines, items)}</strong> · {request.amount.formatted}{' '}
            <StatusBadge status={request.status} />
          </p>
          <p className="muted small">
            Requested{' '}
            <time dateTime={request.requestedAt}>{new Date(request.requestedAt).toLocaleString()}</time>:{' '}
            {request.reason}
          </p>
          <p data-testid="return-outcome">{returnOutcome(request)}</p>
        </li>
      ))}
    </ol>
  );
}

/** Where the return stands, in the customer's words. */
function returnOutcome(request: ReturnFieldsFragment): string {
  switch (request.status) {
    case 'REQUESTED':
      return 'Waiting for our decision.';
    case 'APPROVED':
      return `Approved${request.decisionReason ? ` (${request.decisionReason})` : ''}: please send the items back.`;
    case 'REJECTED':
      return `Rejected: ${request.decisionReason ?? 'no reason given'}.`;
    case 'RECEIVED':
      return `Received: a refund of ${request.amount.formatted} to your payment method.`;
    default:
      return request.status;
  }
}

/** The field a problem names, as the row of the form it is about (`input.lines[i]` is the i-th line sent). */
function rowProblem(problems: readonly Problem[], sent: readonly string[], variantId: string) {
  return problems.find((p) => {
    const at = /^input\.lines\[(\d+)\]\.(quantity|productId|variantId)$/.exec(p.field ?? '');
    return at && sent[Number(at[1])] === variantId;
  })?.message;
}

/** The lines to send: each row with a quantity other than 0; a quantity that is not a whole number is refused here. */
function linesToSend(items: readonly Item[], quantities: Record<string, string>) {
  const lines: { productId: string; variantId: string; quantity: number }[] = [];
  const local: Problem[] = [];
  for (const item of items) {
    const raw = (quantities[item.variantId] ?? '').trim();
    if (raw === '' || Number(raw) === 0) continue;
    const quantity = Number(raw);
    if (!Number.isInteger(quantity))
      local.push({
        message: 'Enter a whole number of units',
        code: undefined,
        field: `input.lines[${lines.length}].quantity`,
      });
    lines.push({ productId: item.product.id, variantId: item.variantId, quantity });
  }
  return { lines, local };
}

/**
 * "Return items": a quantity for each line that can still be returned, and the reason. The API
 * holds every rule (delivered units only, within the return window, a reason): the form does not
 * validate for it (`noValidate`), and its refusal is shown by the line or the field it names.
 */
function ReturnForm({
  orderId,
  items,
  units,
  onRequested,
  onEdit,
}: {
  orderId: string;
  items: Item[];
  units: Map<string, number>;
  onRequested: (created: ReturnFieldsFragment) => void;
  onEdit: () => void;
}) {
  const id = useId();
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<{ problems: Problem[]; sent: string[] }>({ problems: [], sent: [] });
  const [request, state] = useMutation(REQUEST_RETURN);
  const { problems, sent } = outcome;
  const reasonError = problems.find((p) => p.field === 'input.reason')?.message;
  const linesError = problems.find((p) => p.field === 'input.lines')?.message;
  const general = problems.filter(
    (p) => !p.field || (p.field !== 'input.reason' && !p.field.startsWith('input.lines')),
  );

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    onEdit();
    const { lines, local } = linesToSend(items, quantities);
    const sentIds = lines.map((line) => line.variantId);
    setOutcome({ problems: local, sent: sentIds });
    if (local.length > 0) return;
    try {
      const result = await request({ variables: { input: { orderId, lines, reason } } });
      setQuantities({});
      setReason('');
      if (result.data) onRequested(result.data.requestReturn);
    } catch (err) {
      setOutcome({ problems: describeError(err), sent: sentIds });
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="narrow return-form" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Return items</h3>
      <fieldset aria-describedby={linesError ? `${id}-lines-error` : undefined}>
        <legend>Units to return</legend>
        {items.map((item) => (
          <Field
            key={item.variantId}
            label={itemLabel(item)}
            type="number"
            min={0}
            max={units.get(item.variantId) ?? 0}
            step={1}
            value={quantities[item.variantId] ?? '0'}
            onChange={(e) => setQuantities((q) => ({ ...q, [item.variantId]: e.target.value }))}
            hint={`0 to ${units.get(item.variantId) ?? 0}`}
            error={rowProblem(problems, sent, item.variantId)}
          />
        ))}
        {linesError && (
          <small id={`${id}-lines-error`} className="field-error">
            {linesError}
          </small>
        )}
      </fieldset>
      <ReasonField value={reason} onChange={setReason} error={reasonError} />
      <Problems problems={general} />
      <button type="submit" disabled={state.loading}>
        {state.loading ? 'Sending…' : 'Request return'}
      </button>
    </form>
  );
}

function ReasonField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  return (
    <TextAreaField
      label="Reason for the return"
      rows={3}
      required
      maxLength={MAX_REASON}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
    />
  );
}

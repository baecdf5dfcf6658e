import { useId, useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { describeError, problemWith } from '../errors';
import {
  ACCOUNT,
  ADD_ADDRESS,
  DELETE_ADDRESS,
  SET_DEFAULT_BILLING_ADDRESS,
  SET_DEFAULT_SHIPPING_ADDRESS,
  UPDATE_ADDRESS,
} from '../graphql';
import type { AddressBookFieldsFragment, AddressInput } from '../graphql-types';
import { Field, fieldSetter, Problems, Section } from '../ui';
import { addressTextFields, CountrySelect, PostalAddress } from './AddressFields';

export type SavedAddress = AddressBookFieldsFragment['addresses'][number];

const TEXT_FIELDS = addressTextFields();

/** An address as a form holds it: every AddressInput field as text. */
export type AddressForm = Record<keyof AddressInput, string>;

const EMPTY: AddressForm = {
  name: '',
  line1: '',
  line2: '',
  city: '',
  region: '',
  postalCode: '',
  country: 'US',
  phone: '',
};

export function formOf(address: SavedAddress): AddressForm {
  const { name, line1, city, postalCode, country } = address;
  return {
    name,
    line1,
    line2: address.line2 ?? '',
    city,
    region: address.region ?? '',
    postalCode,
    country,
    phone: address.phone ?? '',
  };
}

/** What the API takes: the text as typed (it trims, and stores a blank optional field as null). */
function inputOf(form: AddressForm): AddressInput {
  return { ...form, line2: form.line2 || null, region: form.region || null, phone: form.phone || null };
}

/** "Ada Lovelace, 12 Analytical Row": what tells a card's buttons apart for a screen reader. */
export function addressLabel(address: Pick<SavedAddress, 'name' | 'line1'>): string {
  return `${address.name}, ${address.line1}`;
}

// Added, edited and deleted addresses change the list, which the account query reads again (read
// your writes: the answer holds the change); a new default comes back with the default mutations.
const REFETCH = { refetchQueries: [ACCOUNT], awaitRefetchQueries: true };

type Editing = { kind: 'add' } | { kind: 'edit'; address: SavedAddress } | null;

/**
 * The customer's address book on the account page: every saved address as a card with its
 * defaults, and the one form (add or edit) open at a time. Each result is announced.
 */
export function AddressBook({ user }: { user: AddressBookFieldsFragment }) {
  const [editing, setEditing] = useState<Editing>(null);
  const [message, setMessage] = useState('');
  const done = (said: string) => {
    setEditing(null);
    setMessage(said);
  };
  const { addresses } = user;
  return (
    <Section title="Address book">
      <p role="status" className={message ? 'success' : undefined}>
        {message}
      </p>
      {addresses.length === 0 && <p>No saved addresses yet.</p>}
      {addresses.length > 0 && (
        <ul className="grid address-book" aria-label="Your addresses">
          {addresses.map((address) => (
            <li key={address.id}>
              <AddressCard
                address={address}
                user={user}
                onEdit={() => {
                  setMessage('');
                  setEditing({ kind: 'edit', address });
                }}
                onDone={done}
              />
            </li>
          ))}
        </ul>
      )}
      {editing ? (
        <AddressFormSection
          key={editing.kind === 'edit' ? editing.address.id : 'add'}
          editing={editing}
          onCancel={() => setEditing(null)}
          onDone={done}
        />
      ) : (
        <button
          type="button"
          onClick={() => {
            setMessage('');
            setEditing({ kind: 'add' });
          }}
        >
          Add an address
        </button>
      )}
    </Section>
  );
}

function AddressCard({
  address,
  user,
  onEdit,
  onDone,
}: {
  address: SavedAddress;
  user: AddressBookFieldsFragment;
  onEdit: () => void;
  onDone: (message: string) => void;
}) {
  const headingId = useId();
  const isShipping = user.defaultShippingAddress?.id === address.id;
  const isBilling = user.defaultBillingAddress?.id === address.id;
  return (
    <article className="card address-card" aria-labelledby={headingId}>
      <h3 id={headingId}>{address.name}</h3>
      {(isShipping || isBilling) && (
        <p className="defaults">
          {isShipping && <span className="badge badge-default">Default shipping</span>}{' '}
          {isBilling && <span className="badge badge-default">Default billing</span>}
        </p>
      )}
      <PostalAddress address={{ ...address, name: undefined }} />
      <AddressActions
        address={address}
        isShipping={isShipping}
        isBilling={isBilling}
        onEdit={onEdit}
        onDone={onDone}
      />
    </article>
  );
}

/** `run(action, said)`: `onDone(said)` once the action succeeded; its failure to show otherwise. */
function useAction(onDone: (message: string) => void) {
  const [failure, setFailure] = useState<unknown>(null);
  const run = async (action: () => Promise<unknown>, said: string) => {
    setFailure(null);
    try {
      await action();
      onDone(said);
    } catch (err) {
      setFailure(err);
    }
  };
  return { run, failure };
}

function AddressActions({
  address,
  isShipping,
  isBilling,
  onEdit,
  onDone,
}: {
  address: SavedAddress;
  isShipping: boolean;
  isBilling: boolean;
  onEdit: () => void;
  onDone: (message: string) => void;
}) {
  const [setShipping, shippingState] = useMutation(SET_DEFAULT_SHIPPING_ADDRESS);
  const [setBilling, billingState] = useMutation(SET_DEFAULT_BILLING_ADDRESS);
  const [remove, removeState] = useMutation(DELETE_ADDRESS, REFETCH);
  const [confirming, setConfirming] = useState(false);
  const { run, failure } = useAction(onDone);
  const busy = shippingState.loading || billingState.loading || removeState.loading;
  const label = addressLabel(address);
  const hidden = <span className="visually-hidden"> {label}</span>;
  const id = address.id!;
  const defaults = [
    { kind: 'shipping', already: isShipping, set: setShipping },
    { kind: 'billing', already: isBilling, set: setBilling },
  ];
  return (
    <div className="actions">
      <Problems error={failure} />
      {confirming ? (
        <div role="group" aria-label={`Delete ${label}?`} className="confirm">
          <p>Delete this address?</p>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => run(() => remove({ variables: { id } }), `Deleted the address ${label}.`)}
          >
            Yes, delete{hidden}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep it{hidden}
          </button>
        </div>
      ) : (
        <>
          <button type="button" onClick={onEdit}>
            Edit{hidden}
          </button>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete{hidden}
          </button>
          {defaults
            .filter((d) => !d.already)
            .map((d) => (
              <button
                key={d.kind}
                type="button"
                disabled={busy}
                onClick={() =>
                  run(() => d.set({ variables: { id } }), `${label} is now your default ${d.kind} address.`)
                }
              >
                Use as default {d.kind}
                {hidden}
              </button>
            ))}
        </>
      )}
    </div>
  );
}

function AddressFormSection({
  editing,
  onCancel,
  onDone,
}: {
  editing: NonNullable<Editing>;
  onCancel: () => void;
  onDone: (message: string) => void;
}) {
  const [form, setForm] = useState<AddressForm>(editing.kind === 'edit' ? formOf(editing.address) : EMPTY);
  const [add, addState] = useMutation(ADD_ADDRESS, REFETCH);
  const [update, updateState] = useMutation(UPDATE_ADDRESS, REFETCH);
  const [error, setError] = useState<unknown>(null);
  const set = fieldSetter(setForm);
  const problems = describeError(error);
  const busy = addState.loading || updateState.loading;
  const title =
    editing.kind === 'edit' ? `Edit the address ${addressLabel(editing.address)}` : 'Add an address';
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const input = inputOf(form);
    try {
      if (editing.kind === 'edit') {
        await update({ variables: { id: editing.address.id!, input } });
        onDone(`Saved the address ${addressLabel(input)}.`);
      } else {
        await add({ variables: { input } });
        onDone(`Added the address ${addressLabel(input)}.`);
      }
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={onSubmit} aria-label={title} className="address-form">
      <h3>{title}</h3>
      {TEXT_FIELDS.map(({ key, label, autoComplete, required }) => (
        <Field
          key={key}
          label={label}
          autoComplete={autoComplete}
          required={required}
          value={form[key]}
          onChange={set(key)}
          error={problemWith(problems, key)}
        />
      ))}
      <CountrySelect
        value={form.country}
        onChange={set('country')}
        error={problemWith(problems, 'country')}
      />
      <Field
        label="Phone for the carrier (optional)"
        type="tel"
        autoComplete="tel"
        value={form.phone}
        onChange={set('phone')}
        error={problemWith(problems, 'phone')}
      />
      <Problems problems={problems} />
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : editing.kind === 'edit' ? 'Save address' : 'Add address'}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

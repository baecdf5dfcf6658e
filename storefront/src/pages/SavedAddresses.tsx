import { useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { useQuery } from '@apollo/client/react';
import { SAVED_ADDRESSES } from '../graphql';
import { addressLabel, formOf, type AddressForm, type SavedAddress } from './AddressBook';

/**
 * Checkout's use of the address book: the signed-in customer's saved addresses, `fill` to put one
 * into the form, and the default shipping address put there once, when it loads, if nothing has
 * been typed yet. A guest asks for nothing.
 */
export function useSavedAddresses<F extends AddressForm>(
  signedIn: boolean,
  setForm: Dispatch<SetStateAction<F>>,
) {
  const { data } = useQuery(SAVED_ADDRESSES, { skip: !signedIn });
  const me = data?.me;
  const prefilled = useRef(false);
  // Once per visit: a later refetch must not overwrite what the customer has typed since.
  useEffect(() => {
    if (!me || prefilled.current) return;
    prefilled.current = true;
    const chosen = me.addresses.find((address) => address.id === me.defaultShippingAddress?.id);
    if (chosen) setForm((form) => (form.name || form.line1 ? form : { ...form, ...formOf(chosen) }));
  }, [me, setForm]);
  return {
    addresses: me?.addresses ?? [],
    defaultId: me?.defaultShippingAddress?.id ?? null,
    fill: (address: SavedAddress) => setForm((form) => ({ ...form, ...formOf(address) })),
  };
}

/** "Saved addresses": choosing one fills the form with it (the fields stay editable). */
export function SavedAddressSelect({
  saved,
}: {
  saved: { addresses: SavedAddress[]; defaultId: string | null; fill: (address: SavedAddress) => void };
}) {
  // Untouched, it shows the default shipping address, which the form starts from.
  const [chosen, setChosen] = useState<string | null>(null);
  if (saved.addresses.length === 0) return null;
  return (
    <div className="field">
      <label htmlFor="saved-addresses">Saved addresses</label>
      <select
        id="saved-addresses"
        value={chosen ?? saved.defaultId ?? ''}
        onChange={(event) => {
          setChosen(event.target.value);
          const address = saved.addresses.find((a) => a.id === event.target.value);
          if (address) saved.fill(address);
        }}
      >
        <option value="">Choose a saved address</option>
        {saved.addresses.map((address) => (
          <option key={address.id} value={address.id ?? ''}>
            {`${addressLabel(address)}${address.id === saved.defaultId ? ' (default shipping)' : ''}`}
          </option>
        ))}
      </select>
    </div>
  );
}

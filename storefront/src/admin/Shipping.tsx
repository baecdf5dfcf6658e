import { useId, useState, type ReactNode } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ADMIN_SHIPPING, ADMIN_SHIPPING_BANDS, SET_TAX_SETTING } from '../graphql';
import type { AdminShippingQuery } from '../graphql-types';
import { usePageTitle } from '../router';
import { Loading, Problems, Section, StatusBadge } from '../ui';
import { CURRENCIES } from './money-input';
import { bandsByMethod, pricingWords, type Band } from './shipping-input';
import {
  DeleteMethodButton,
  DeleteTaxRateButton,
  DeleteZoneButton,
  MethodEditor,
  TaxRateEditor,
  ZoneEditor,
} from './ShippingForms';

type Zone = AdminShippingQuery['shippingZones'][number];
type Done = (message: string) => void;
type Bands = Map<string, Band[]>;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** "Sweden (SE)", or the code alone for one without an English name. */
function countryName(code: string): string {
  try {
    const name = regionNames.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** "Sweden (SE), United States (US): CA only". */
function countriesWords(zone: Zone): string {
  return zone.countries
    .map(({ country, regions }) =>
      regions.length === 0 ? countryName(country) : `${countryName(country)}: ${regions.join(', ')} only`,
    )
    .join(', ');
}

/**
 * Zones with their countries, methods and tax rates, and whether prices include tax per currency.
 * Every write reads the zones again, so what the page shows is what the API stored.
 */
export function ShippingPage() {
  usePageTitle('Shipping & tax');
  const { data, loading, error } = useQuery(ADMIN_SHIPPING, { fetchPolicy: 'cache-and-network' });
  const bandsQuery = useQuery(ADMIN_SHIPPING_BANDS, { fetchPolicy: 'cache-and-network' });
  const bands = bandsByMethod(bandsQuery.data);
  const [done, setDone] = useState<string | null>(null);
  const [newZone, setNewZone] = useState(false);
  return (
    <>
      <h1 tabIndex={-1}>Shipping &amp; tax</h1>
      <div className="toolbar">
        <button type="button" onClick={() => setNewZone(true)} disabled={newZone}>
          New zone
        </button>
      </div>
      <div role="status">{done && <p className="flash">{done}</p>}</div>
      <Problems error={error ?? bandsQuery.error} />
      {loading && !data && <Loading what="shipping zones" />}
      {newZone && (
        <Section title="New zone">
          <ZoneEditor onDone={setDone} onClose={() => setNewZone(false)} />
        </Section>
      )}
      {data && data.shippingZones.length === 0 && (
        <p>No zone yet: checkout charges the default shipping rate to any address, untaxed.</p>
      )}
      {data?.shippingZones.map((zone) => (
        <ZoneSection key={zone.code} zone={zone} bands={bands} onDone={setDone} />
      ))}
      {data && <TaxSettingsSection data={data} onDone={setDone} />}
    </>
  );
}

function SubSection({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

/** What the zone's section has open: its own form, a method's (new or by code), or the tax rate's. */
type Editing = { form: 'zone' } | { form: 'method'; code: string | null } | { form: 'tax' } | null;

function ZoneSection({ zone, bands, onDone }: { zone: Zone; bands: Bands; onDone: Done }) {
  const [editing, setEditing] = useState<Editing>(null);
  const close = () => setEditing(null);
  const method = editing?.form === 'method' ? zone.methods.find((m) => m.code === editing.code) : undefined;
  return (
    <Section title={`${zone.name} (${zone.code})`}>
      <p>Countries: {countriesWords(zone)}</p>
      <OpenButton
        label="Edit zone"
        of={zone.name}
        open={editing?.form === 'zone'}
        onOpen={() => setEditing({ form: 'zone' })}
      />
      <p>
        <DeleteZoneButton zone={zone} onDone={onDone} />
      </p>
      {editing?.form === 'zone' && <ZoneEditor zone={zone} onDone={onDone} onClose={close} />}
      <SubSection title="Shipping methods">
        {zone.methods.length === 0 ? (
          <p>No method: addresses in this zone get another zone’s methods, or the default rate.</p>
        ) : (
          <MethodTable
            zone={zone}
            bands={bands}
            onEdit={(code) => setEditing({ form: 'method', code })}
            onDone={onDone}
          />
        )}
        <OpenButton
          label="Add a shipping method"
          of={`to ${zone.name}`}
          open={editing?.form === 'method' && editing.code === null}
          onOpen={() => setEditing({ form: 'method', code: null })}
        />
        {editing?.form === 'method' && (
          <MethodEditor
            key={editing.code ?? ''}
            zone={zone}
            method={method}
            bands={method ? (bands.get(method.id) ?? []) : []}
            onDone={onDone}
            onClose={close}
          />
        )}
      </SubSection>
      <SubSection title="Tax rates">
        <TaxRateList zone={zone} onDone={onDone} />
        <OpenButton
          label="Set a tax rate"
          of={`in ${zone.name}`}
          open={editing?.form === 'tax'}
          onOpen={() => setEditing({ form: 'tax' })}
        />
        {editing?.form === 'tax' && <TaxRateEditor zone={zone} onDone={onDone} onClose={close} />}
      </SubSection>
    </Section>
  );
}

/** A button that opens a form, named for the zone it is about (one per zone on the page). */
function OpenButton({
  label,
  of,
  open,
  onOpen,
}: {
  label: string;
  of: string;
  open: boolean;
  onOpen: () => void;
}) {
  return (
    <p>
      <button type="button" className="link" disabled={open} onClick={onOpen}>
        {label} <span className="visually-hidden">{of}</span>
      </button>
    </p>
  );
}

function MethodTable({
  zone,
  bands,
  onEdit,
  onDone,
}: {
  zone: Zone;
  bands: Bands;
  onEdit: (code: string) => void;
  onDone: Done;
}) {
  return (
    <table className="lines">
      <caption className="visually-hidden">Shipping methods of {zone.name}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Code</th>
          <th scope="col">Carrier</th>
          <th scope="col">Price</th>
          <th scope="col">Active</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {zone.methods.map((method) => (
          <tr key={method.id}>
            <td>
              {method.name}
              {method.type !== 'STANDARD' && <span className="muted"> ({method.type.toLowerCase()})</span>}
            </td>
            <td>
              <code>{method.code}</code>
            </td>
            <td>{method.carrier ?? <span className="muted">none</span>}</td>
            <td>{pricingWords(method, bands.get(method.id) ?? [])}</td>
            <td>
              <StatusBadge status={method.active ? 'ACTIVE' : 'INACTIVE'} />
            </td>
            <td>
              <button type="button" className="link" onClick={() => onEdit(method.code)}>
                Edit <span className="visually-hidden">method {method.name}</span>
              </button>{' '}
              <DeleteMethodButton zone={zone} method={method} onDone={onDone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TaxRateList({ zone, onDone }: { zone: Zone; onDone: Done }) {
  if (zone.taxRates.length === 0)
    return <p>No rate: tax comes from another zone holding the address, or there is none.</p>;
  return (
    <ul className="plain" aria-label={`Tax rates of ${zone.name}`}>
      {zone.taxRates.map((rate) => (
        <li key={rate.id}>
          {rate.taxClass.toLowerCase()} class: {rate.name} {rate.rate}%{' '}
          <DeleteTaxRateButton zone={zone} rate={rate} onDone={onDone} />
        </li>
      ))}
    </ul>
  );
}

/** The currencies the shop deals in: the forms' own, those with a setting, and the methods'. */
function currenciesOf(data: AdminShippingQuery): string[] {
  const methods = data.shippingZones.flatMap((zone) => zone.methods.map((m) => m.currency));
  return [...new Set([...CURRENCIES, ...data.taxSettings.map((s) => s.currency), ...methods])].sort();
}

function TaxSettingsSection({ data, onDone }: { data: AdminShippingQuery; onDone: Done }) {
  const included = new Map(data.taxSettings.map((s) => [s.currency, s.pricesIncludeTax]));
  return (
    <Section title="Prices include tax">
      <p className="muted">
        On: tax is taken out of catalog prices in the currency (the total does not change). Off: tax is added
        at checkout.
      </p>
      <ul className="plain" aria-label="Prices include tax, per currency">
        {currenciesOf(data).map((currency) => (
          <li key={currency}>
            <TaxSettingSwitch currency={currency} on={included.get(currency) ?? false} onDone={onDone} />
          </li>
        ))}
      </ul>
    </Section>
  );
}

/** The switch shows the API's setting (read again after the write), never the state the click asked for. */
function TaxSettingSwitch({ currency, on, onDone }: { currency: string; on: boolean; onDone: Done }) {
  const [setTaxSetting, state] = useMutation(SET_TAX_SETTING, {
    refetchQueries: [ADMIN_SHIPPING, ADMIN_SHIPPING_BANDS],
    awaitRefetchQueries: true,
  });
  const [error, setError] = useState<unknown>(null);
  const toggle = async () => {
    setError(null);
    try {
      const result = await setTaxSetting({ variables: { currency, pricesIncludeTax: !on } });
      const answer = result.data?.setTaxSetting;
      if (answer)
        onDone(
          `Prices in ${answer.currency} ${answer.pricesIncludeTax ? 'now include tax' : 'now exclude tax: it is added'}.`,
        );
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <button type="button" role="switch" aria-checked={on} disabled={state.loading} onClick={toggle}>
        Prices in {currency} include tax
      </button>{' '}
      <span className="muted">{on ? 'on' : 'off'}</span>
      <Problems error={error} />
    </>
  );
}

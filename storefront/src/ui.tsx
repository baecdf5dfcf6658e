import {
  useId,
  useState,
  useSyncExternalStore,
  type Dispatch,
  type InputHTMLAttributes,
  type ReactNode,
  type SetStateAction,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { describeError, type Problem } from './errors';
import { useLocation } from './router';

/** The onChange of each text field of a form kept in one state object: `onChange={set('name')}`. */
export function fieldSetter<F>(setForm: Dispatch<SetStateAction<F>>) {
  return (key: keyof F) => (e: { target: { value: string } }) =>
    setForm((form) => ({ ...form, [key]: e.target.value }));
}

/** Problems of a failed operation, announced to screen readers as they appear. */
export function Problems({ error, problems }: { error?: unknown; problems?: Problem[] }) {
  const list = problems ?? describeError(error);
  if (list.length === 0) return null;
  return (
    <div role="alert" className="problem">
      {list.map((p, i) => (
        <p key={i} data-code={p.code}>
          {p.message}
        </p>
      ))}
    </div>
  );
}

export function Field({
  label,
  hint,
  error,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; error?: string | undefined }) {
  return (
    <LabelledControl label={label} hint={hint} error={error}>
      {(a11y) => <input {...a11y} {...input} />}
    </LabelledControl>
  );
}

/** `Field` for a choice from a list: the same label and error, tied to a select. */
export function SelectField({
  label,
  error,
  options,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  error?: string | undefined;
  /** `[value, text]` pairs, in the order shown. */
  options: readonly (readonly [string, string])[];
}) {
  return (
    <LabelledControl label={label} error={error}>
      {(a11y) => (
        <select {...a11y} {...select}>
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </LabelledControl>
  );
}

/** `Field` for text longer than a line: the same label, hint and error, tied to a textarea. */
export function TextAreaField({
  label,
  hint,
  error,
  ...textarea
}: TextareaHTMLAttributes<HTMLTextAreaElement> & {
  label: string;
  hint?: string;
  error?: string | undefined;
}) {
  return (
    <LabelledControl label={label} hint={hint} error={error}>
      {(a11y) => <textarea {...a11y} {...textarea} />}
    </LabelledControl>
  );
}

/** What ties a control to its label, hint and error for assistive technology. */
interface ControlA11y {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
}

/** A control with its label above, its hint and its error below, each tied to it by id. */
function LabelledControl({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: (a11y: ControlA11y) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
        'aria-invalid': error ? true : undefined,
      })}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errorId} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="muted">
      Loading {what}…
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status.replace(/_/g, ' ')}</span>;
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/**
 * Previous/next page buttons for a list the API pages by cursor. `after` holds the cursor of every
 * page walked through (the last: the page shown), so Previous goes back without the API paging
 * backwards.
 */
export function CursorPager({
  after,
  setAfter,
  pageInfo,
}: {
  after: string[];
  setAfter: Dispatch<SetStateAction<string[]>>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null } | undefined;
}) {
  const next = pageInfo?.hasNextPage ? pageInfo.endCursor : null;
  return (
    <div className="pager">
      {after.length > 0 && (
        <button type="button" onClick={() => setAfter((a) => a.slice(0, -1))}>
          Previous page
        </button>
      )}
      {next !== null && (
        <button type="button" onClick={() => setAfter((a) => [...a, next])}>
          Next page
        </button>
      )}
    </div>
  );
}

/** The products search box: `onSearch` gets the trimmed text when the form is submitted. */
export function ProductSearch({
  id,
  search,
  onSearch,
}: {
  id: string;
  search: string;
  onSearch: (text: string) => void;
}) {
  const [text, setText] = useState(search);
  return (
    <form
      role="search"
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(text.trim());
      }}
    >
      <label htmlFor={id}>Search products</label>
      <input id={id} type="search" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit">Search</button>
    </form>
  );
}

// A message for one page (the one a redirect lands on), e.g. "Signed in; your guest cart was
// merged". It disappears once the person moves on to another page.
let flash: { message: string; path: string } | null = null;
const flashListeners = new Set<() => void>();
export function setFlash(message: string | null, path = window.location.pathname): void {
  flash = message ? { message, path: new URL(path, window.location.href).pathname } : null;
  flashListeners.forEach((l) => l());
}
export function Flash() {
  const { path } = useLocation();
  const current = useSyncExternalStore(
    (l) => {
      flashListeners.add(l);
      return () => flashListeners.delete(l);
    },
    () => flash,
    () => null,
  );
  if (!current || current.path !== path) return null;
  const { message } = current;
  return (
    <div role="status" className="flash">
      <span>{message}</span>
      <button type="button" className="link" onClick={() => setFlash(null)}>
        Dismiss
      </button>
    </div>
  );
}

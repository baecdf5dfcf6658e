/**
 * An error as a test inspects it: the GraphQL error's extensions at the top level (`code`, `field`,
 * ...) and its message, so `toEqual({ code, field, message })` reads as the error does; the whole
 * `extensions` object stays reachable (not enumerable, so it does not take part in `toEqual`).
 */
export type Failure = {
  code?: string;
  /** The input a client's bad value came in, where the error names one. */
  field?: string;
  message: string;
  readonly extensions: Record<string, any>;
} & Record<string, any>;

function asFailure(error: unknown): Failure {
  const extensions = (error as { extensions?: Record<string, any> } | null)?.extensions ?? {};
  const found = { ...extensions, message: (error as Error)?.message } as Failure;
  Object.defineProperty(found, 'extensions', { value: extensions, enumerable: false });
  return found;
}

/** Expects `promise` to reject and returns the error as a `Failure` (its code and field first). */
export async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    return asFailure(error);
  }
  throw new Error('expected an error, the promise resolved');
}

/** Expects `fn` to throw (synchronously) and returns the error as a `Failure`, as `failure` does. */
export function thrown(fn: () => unknown): Failure {
  try {
    fn();
  } catch (error) {
    return asFailure(error);
  }
  throw new Error('expected an error, the call returned');
}

/**
 * For races where some calls may succeed: the failure, or `{ code: 'resolved' }` when the call
 * resolved.
 */
export async function outcome(promise: Promise<unknown>): Promise<Failure | { code: 'resolved' }> {
  try {
    await promise;
    return { code: 'resolved' };
  } catch (error) {
    return asFailure(error);
  }
}

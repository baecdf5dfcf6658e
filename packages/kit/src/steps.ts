/**
 * Saga steps with compensations, after Medusa's `createStep(id, invoke, compensate)`: each step of
 * a saga that writes something another step may have to take back names its undo beside it, so
 * the undo is defined once, next to the write, instead of inline in a `catch`.
 *
 * Steps run inside whatever the caller runs them in: a subgraph's transaction and outbox (then a
 * compensation writes in the same transaction, and its events join the same outbox), or, for a
 * step that calls an external provider, one after the other with durable writes between them.
 */
export interface Step<I, O> {
  readonly id: string;
  invoke(input: I): Promise<O>;
  /** Takes back what `invoke` did, given what it returned, its input and why the run stopped. */
  compensate?(output: O, input: I, cause: unknown): Promise<void>;
}

export function createStep<I, O>(
  id: string,
  invoke: (input: I) => Promise<O>,
  compensate?: (output: O, input: I, cause: unknown) => Promise<void>,
): Step<I, O> {
  return compensate ? { id, invoke, compensate } : { id, invoke };
}

/**
 * A step that cannot proceed for a business reason (stock is short): not a fault. The run
 * compensates what went before and answers `{ ok: false }` instead of throwing, so the caller can
 * record the refusal in the same transaction.
 */
export class StepRefused<R = unknown> extends Error {
  constructor(
    readonly stepId: string,
    readonly reason: R,
  ) {
    super(`step ${stepId} refused`);
    this.name = 'StepRefused';
  }
}

export type StepOutcome<T, R = unknown> = { ok: true; value: T } | { ok: false; refused: StepRefused<R> };

/** Runs one step and remembers its compensation for as long as the run lasts. */
export type RunStep = <I, O>(step: Step<I, O>, input: I) => Promise<O>;

/**
 * Runs `work`, whose steps go through `run`. When a step refuses or throws, the compensations of
 * the steps that completed run in reverse order; a refusal then answers `{ ok: false, refused }`,
 * any other error is thrown again (after the compensations: what they wrote is what the caller's
 * error handling finds).
 */
export async function runSteps<T, R = unknown>(
  work: (run: RunStep) => Promise<T>,
): Promise<StepOutcome<T, R>> {
  const completed: ((cause: unknown) => Promise<void>)[] = [];
  const run: RunStep = async (step, input) => {
    const output = await step.invoke(input);
    if (step.compensate) completed.push((cause) => step.compensate!(output, input, cause));
    return output;
  };
  try {
    return { ok: true, value: await work(run) };
  } catch (error) {
    for (const undo of completed.reverse()) await undo(error);
    if (error instanceof StepRefused) return { ok: false, refused: error as StepRefused<R> };
    throw error;
  }
}

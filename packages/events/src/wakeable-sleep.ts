/**
 * The pause of a polling loop that something else can cut short: stopping it, new work (a poke, an
 * append) or a reader's interrupt. One pause at a time; `wake()` with none under way does nothing.
 */
export class WakeableSleep {
  private wakeCurrent: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeCurrent = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeCurrent = done;
    });
  }

  /** Ends the pause under way now. */
  wake(): void {
    this.wakeCurrent?.();
  }
}

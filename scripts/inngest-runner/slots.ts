/** One concurrency limit a request must fit in: at most `limit` requests hold `key` at a time. */
export interface Slot {
  key: string;
  limit: number;
}

interface Waiter {
  slots: Slot[];
  priority: number;
  seq: number;
  grant: (release: () => void) => void;
}

/**
 * Concurrency limits, as Inngest applies them: to requests in flight (a step being executed), not
 * to runs parked on a sleep or a wait. A request takes all its slots at once or waits, so two
 * limits can never deadlock; waiters are served oldest run first.
 */
export class Slots {
  private readonly held = new Map<string, number>();
  private waiting: Waiter[] = [];
  private seq = 0;

  acquire(slots: Slot[], priority: number): Promise<() => void> {
    if (slots.length === 0) return Promise.resolve(() => {});
    return new Promise((grant) => {
      this.waiting.push({ slots, priority, seq: this.seq++, grant });
      this.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      this.serve();
    });
  }

  private serve() {
    for (const waiter of [...this.waiting]) {
      if (!waiter.slots.every((slot) => (this.held.get(slot.key) ?? 0) < slot.limit)) continue;
      this.waiting = this.waiting.filter((w) => w !== waiter);
      for (const slot of waiter.slots) this.held.set(slot.key, (this.held.get(slot.key) ?? 0) + 1);
      let released = false;
      waiter.grant(() => {
        if (released) return;
        released = true;
        for (const slot of waiter.slots) this.held.set(slot.key, (this.held.get(slot.key) ?? 1) - 1);
        this.serve();
      });
    }
  }
}

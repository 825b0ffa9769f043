/** The longest the event loop was held, as wall time and as the CPU time the process spent in it. */
export interface Block {
  wallMs: number;
  /**
   * The most CPU time the process used between two turns of the loop. Unlike the wall time, a
   * machine busy with other work does not stretch it (a process waiting for a core uses none).
   */
  cpuMs: number;
}

/**
 * Watches the event loop with a timer due every `resolutionMs`: the gap between two of its runs is
 * how long the loop was held (plus up to `resolutionMs`), as a page request arriving then would
 * wait before it starts.
 */
export class EventLoopWatch {
  private readonly timer: NodeJS.Timeout;
  private last = { at: performance.now(), cpu: cpuMicros() };
  private longest: Block = { wallMs: 0, cpuMs: 0 };

  constructor(resolutionMs = 5) {
    this.timer = setInterval(() => {
      const now = { at: performance.now(), cpu: cpuMicros() };
      this.longest = {
        wallMs: Math.max(this.longest.wallMs, now.at - this.last.at),
        cpuMs: Math.max(this.longest.cpuMs, (now.cpu - this.last.cpu) / 1000),
      };
      this.last = now;
    }, resolutionMs);
  }

  /** The longest block since the watch began or was last taken; starts the next interval. */
  take(): Block {
    const longest = this.longest;
    this.longest = { wallMs: 0, cpuMs: 0 };
    return longest;
  }

  stop(): Block {
    clearInterval(this.timer);
    return this.take();
  }
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

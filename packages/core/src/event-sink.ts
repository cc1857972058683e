/**
 * Typed events every layer reports, and the sink that receives them.
 *
 * Zero cost with no listener: emitters test {@link EventSink.enabled} before building an event object, so a
 * machine without listeners allocates nothing for events.
 *
 * ```ts
 * if (sink.enabled) sink.emit('frame.alloc', { pfn, order: 0 });
 * ```
 *
 * Layers may add event kinds by augmenting {@link MmEventMap}:
 * ```ts
 * declare module '@pagewright/core' { interface MmEventMap { 'my.event': { x: number } } }
 * ```
 *
 * @module
 */

/** Every event kind and the shape of its payload. */
export interface MmEventMap {
  /** A frame (or a 2^order block) was handed out. */
  'frame.alloc': { pfn: number; order: number };
  /** A frame (or block) was returned. */
  'frame.free': { pfn: number; order: number };
  /** A page walk happened. */
  'mmu.walk': { hart: number; va: number; access: number; levels: number; fault: number };
  /** A TLB was flushed. */
  'tlb.flush': { hart: number; scope: 'all' | 'asid' | 'va' | 'va+asid'; asid: number; vpn: number };
  /** A page fault reached the OS. */
  fault: { pid: number; va: number; access: number; cause: number; outcome: string };
  /** A copy-on-write break. */
  'cow.break': { pid: number; vpn: number; oldPfn: number; newPfn: number; reused: boolean };
  /** A VMA was split. */
  'vma.split': { pid: number; start: number; end: number; at: number };
  /** Two VMAs merged. */
  'vma.merge': { pid: number; start: number; end: number };
  /** A TLB shootdown was sent. */
  'tlb.shootdown': { asid: number; harts: number; ipis: number; pages: number; full: boolean };
  /** A system call returned. */
  syscall: {
    pid: number;
    name: string;
    args: readonly (number | bigint)[];
    ret: number | bigint;
    errno?: string;
  };
}

/** An event kind. */
export type MmEventKind = keyof MmEventMap;

/** An event as delivered to listeners. */
export type MmEvent = { [K in MmEventKind]: { kind: K } & MmEventMap[K] }[MmEventKind];

/** Receives events from the layers. */
export interface EventSink {
  /** False when nobody listens: emitters skip building the event. */
  readonly enabled: boolean;
  /** Delivers an event. */
  emit<K extends MmEventKind>(kind: K, data: MmEventMap[K]): void;
}

/** A sink with no listener: `enabled` is false and `emit` does nothing. */
export const NULL_SINK: EventSink = Object.freeze({
  enabled: false,
  emit() {},
});

/** A sink that forwards events to subscribed listeners; enabled while at least one listener is subscribed. */
export class EventBus implements EventSink {
  private readonly listeners = new Set<(e: MmEvent) => void>();

  /** True while at least one listener is subscribed. */
  get enabled(): boolean {
    return this.listeners.size > 0;
  }

  /** Delivers an event to every listener. */
  emit<K extends MmEventKind>(kind: K, data: MmEventMap[K]): void {
    if (this.listeners.size === 0) return;
    const event = { kind, ...data } as MmEvent;
    for (const l of this.listeners) l(event);
  }

  /** Subscribes a listener; returns a function that unsubscribes it. */
  subscribe(listener: (e: MmEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/** A sink that records every event in memory (for tests and the demo's `--json`). */
export class RecordingSink implements EventSink {
  readonly enabled = true;
  /** The events received, in order. */
  readonly events: MmEvent[] = [];

  /** Records an event. */
  emit<K extends MmEventKind>(kind: K, data: MmEventMap[K]): void {
    this.events.push({ kind, ...data } as MmEvent);
  }

  /** The recorded events of one kind. */
  ofKind<K extends MmEventKind>(kind: K): ({ kind: K } & MmEventMap[K])[] {
    return this.events.filter((e) => e.kind === kind) as unknown as ({ kind: K } & MmEventMap[K])[];
  }
}

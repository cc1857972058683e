import { describe, expect, it } from 'vitest';
import { EventBus, NULL_SINK, RecordingSink } from './event-sink.js';

describe('event sinks', () => {
  it('NULL_SINK is disabled', () => {
    expect(NULL_SINK.enabled).toBe(false);
    NULL_SINK.emit('frame.alloc', { pfn: 1, order: 0 });
  });

  it('EventBus is enabled only while someone listens', () => {
    const bus = new EventBus();
    expect(bus.enabled).toBe(false);
    const seen: string[] = [];
    const off = bus.subscribe((e) => seen.push(`${e.kind}:${'pfn' in e ? e.pfn : ''}`));
    expect(bus.enabled).toBe(true);
    bus.emit('frame.free', { pfn: 9, order: 0 });
    off();
    bus.emit('frame.free', { pfn: 10, order: 0 });
    expect(bus.enabled).toBe(false);
    expect(seen).toEqual(['frame.free:9']);
  });

  it('RecordingSink keeps events in order and filters by kind', () => {
    const s = new RecordingSink();
    s.emit('frame.alloc', { pfn: 1, order: 0 });
    s.emit('vma.merge', { pid: 1, start: 0, end: 4096 });
    expect(s.events.map((e) => e.kind)).toEqual(['frame.alloc', 'vma.merge']);
    expect(s.ofKind('vma.merge')[0]?.end).toBe(4096);
  });
});

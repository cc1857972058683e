import { describe, expect, it } from 'vitest';
import { formatTrace, parseTrace, TraceRecorder } from './trace.js';

describe('trace files', () => {
  it('round-trips a trace through the run-length text format', () => {
    const rec = new TraceRecorder();
    for (const [asid, vpn] of [
      [1, 0x10],
      [1, 0x10],
      [1, 0x11],
      [2, 0x10],
      [1, 0x7ffffffff],
    ] as const) {
      rec.record(asid, vpn);
    }
    const trace = rec.finish('t');
    const text = formatTrace(trace, ['hello']);
    expect(text).toBe('# hello\n1 10 2\n1 11 1\n2 10 1\n1 7ffffffff 1\n');
    const back = parseTrace('t', text);
    expect([...back.vpns]).toEqual([...trace.vpns]);
    expect([...back.asids]).toEqual([...trace.asids]);
  });

  it('names the bad line', () => {
    expect(() => parseTrace('x.trace', '# c\n1 zz 3\n')).toThrow(/x\.trace:2/);
  });
});

describe('recorded demo trace', () => {
  it('logs every lookup of a small process-vm workload, in two ASIDs after the fork', async () => {
    const { recordDemoTrace } = await import('./record-trace.js');
    const trace = recordDemoTrace(3, 0.05);
    expect(trace.vpns.length).toBeGreaterThan(500);
    expect(new Set(trace.asids).size).toBe(2);
    const again = recordDemoTrace(3, 0.05);
    expect([...again.vpns]).toEqual([...trace.vpns]);
  });
});

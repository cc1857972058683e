/**
 * The panels: VMAs, page-table tree, address walk, TLBs, frames and events. Each renders plain data from a
 * {@link MachineSnapshot}; cells that the last step changed carry the `changed` class.
 *
 * @module
 */
import type { MmEvent } from '@pagewright/core';
import type { ComponentChildren } from 'preact';
import { countByKind, formatEvent } from '../model/events.js';
import { hex } from '../model/hex.js';
import type { ProcessView, SnapshotDiff, TableView, TlbView } from '../model/snapshot.js';
import { type FrameView, tlbKey } from '../model/snapshot.js';
import { type AddressWalk, pteHex } from '../model/walk.js';

/** A titled panel. */
export function Panel(props: { id: string; title: string; note?: string; children: ComponentChildren }) {
  return (
    <section class="panel" id={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>
        {props.title}
        {props.note ? <span class="note"> {props.note}</span> : null}
      </h2>
      <div class="panel-body">{props.children}</div>
    </section>
  );
}

/** A button showing an address; activating it shows the address's walk. */
export function AddressButton(props: { va: number; onWalk: (va: number) => void; label?: string }) {
  return (
    <button
      type="button"
      class="addr"
      data-va={hex(props.va)}
      title={`show the page walk of ${hex(props.va)}`}
      onClick={() => props.onWalk(props.va)}
    >
      {props.label ?? hex(props.va)}
    </button>
  );
}

/** `/proc/PID/maps`: the start address of each VMA is a button that walks it. */
export function MapsPanel(props: {
  proc: ProcessView | null;
  diff: SnapshotDiff;
  onWalk: (va: number) => void;
}) {
  const { proc } = props;
  return (
    <Panel id="panel-maps" title="VMAs" note={proc ? `/proc/${proc.pid}/maps` : 'no process'}>
      {proc === null ? (
        <p class="empty">No live process.</p>
      ) : (
        <ol class="maps" aria-label={`/proc/${proc.pid}/maps`}>
          {proc.maps.map((line) => {
            const start = Number.parseInt(line.split('-')[0] ?? '', 16);
            const changed = props.diff.maps.has(`${proc.pid}:${line}`);
            return (
              <li key={line} class={changed ? 'changed' : undefined} data-testid="maps-line" data-line={line}>
                <AddressButton va={start} onWalk={props.onWalk} label={line.slice(0, line.indexOf('-'))} />
                <code>{line.slice(line.indexOf('-'))}</code>
              </li>
            );
          })}
        </ol>
      )}
    </Panel>
  );
}

function TableTree(props: {
  table: TableView;
  byPfn: ReadonlyMap<number, TableView>;
  diff: SnapshotDiff;
  onWalk: (va: number) => void;
}) {
  const { table } = props;
  return (
    <details open class={`table lvl-${table.level}`} data-level={table.level}>
      <summary>
        <span class="lvl-tag">L{table.level}</span> table in frame {hex(table.pfn)}{' '}
        <span class="note">
          covers {hex(table.va)}…, {table.entries.length} of 512 entries in use
        </span>
      </summary>
      <table class="ptes">
        <thead>
          <tr>
            <th scope="col">index</th>
            <th scope="col">PTE address</th>
            <th scope="col">raw</th>
            <th scope="col">kind</th>
            <th scope="col">bits</th>
            <th scope="col">frame</th>
            <th scope="col">virtual address</th>
          </tr>
        </thead>
        <tbody>
          {table.entries.map((e) => (
            <tr key={e.index} class={props.diff.ptes.has(e.addr) ? 'changed' : undefined}>
              <td>{e.index}</td>
              <td>
                <code>{hex(e.addr)}</code>
              </td>
              <td>
                <code>{pteHex(e.lo, e.hi)}</code>
              </td>
              <td>{e.kind}</td>
              <td>
                <code>{e.bits}</code>
              </td>
              <td>
                <code>{hex(e.ppn)}</code>
              </td>
              <td>
                {e.kind === 'table' ? (
                  <code>{hex(e.va)}…</code>
                ) : (
                  <AddressButton va={e.va} onWalk={props.onWalk} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {table.entries
        .filter((e) => e.kind === 'table')
        .map((e) => {
          const child = props.byPfn.get(e.ppn);
          return child ? <TableTree key={child.pfn} {...props} table={child} /> : null;
        })}
    </details>
  );
}

/** The page-table tree of a process, levels coloured, each table expandable. */
export function PageTablePanel(props: {
  proc: ProcessView | null;
  diff: SnapshotDiff;
  onWalk: (va: number) => void;
}) {
  const { proc } = props;
  const root = proc?.tables[0];
  const byPfn = new Map((proc?.tables ?? []).map((t) => [t.pfn, t]));
  return (
    <Panel
      id="panel-pagetable"
      title="Page tables"
      note={
        proc
          ? `pid ${proc.pid}: root frame ${hex(proc.root)}, ASID ${proc.asid}, ${proc.tables.length} tables`
          : ''
      }
    >
      {root === undefined ? (
        <p class="empty">No page table.</p>
      ) : (
        <TableTree table={root} byPfn={byPfn} {...props} />
      )}
    </Panel>
  );
}

const STOP_TEXT: Record<AddressWalk['stop'], string> = {
  leaf: 'a leaf: the page is mapped',
  invalid: 'an invalid entry (V = 0): a page fault',
  protnone: 'an inaccessible PROT_NONE entry (V = 0, the frame kept): a page fault',
  malformed: 'a malformed entry: a page fault',
  'not-in-memory': 'a PTE address outside RAM: an access fault',
  'outside-user-half': 'the address is outside the user half',
};

/** The walk of the selected address, level by level. */
export function WalkPanel(props: {
  walk: AddressWalk | null;
  onWalk: (va: number) => void;
  onClear: () => void;
}) {
  const { walk } = props;
  return (
    <Panel id="panel-walk" title="Address walk" note={walk ? hex(walk.va) : 'pick an address'}>
      <form
        class="walk-form"
        onSubmit={(ev) => {
          ev.preventDefault();
          const input = (ev.currentTarget as HTMLFormElement).elements.namedItem(
            'walk-va',
          ) as HTMLInputElement;
          const t = input.value.trim();
          const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : Number(t);
          if (Number.isSafeInteger(n) && n >= 0) props.onWalk(n);
        }}
      >
        <label for="walk-va">Virtual address</label>
        <input id="walk-va" name="walk-va" placeholder="0x400000" autocomplete="off" spellcheck={false} />
        <button type="submit">Walk</button>
        {walk ? (
          <button type="button" onClick={props.onClear}>
            Clear
          </button>
        ) : null}
      </form>
      {walk === null ? (
        <p class="empty">Activate an address in the VMAs, page tables or TLBs, or type one.</p>
      ) : (
        <>
          <ol class="walk" aria-label={`walk of ${hex(walk.va)}`}>
            {walk.levels.map((l) => (
              <li
                key={l.level}
                class={`walk-level lvl-${l.level}`}
                data-testid="walk-level"
                data-level={l.level}
                data-table={hex(l.tableFrame)}
                data-index={l.index}
                data-pte-addr={hex(l.pteAddr)}
                data-raw={pteHex(l.lo, l.hi)}
                data-kind={l.kind}
              >
                <span class="lvl-tag">L{l.level}</span> table {hex(l.tableFrame)} [{l.index}] → PTE at{' '}
                <code>{hex(l.pteAddr)}</code> = <code>{pteHex(l.lo, l.hi)}</code> · {l.kind} ·{' '}
                <code>{l.bits}</code>
                {l.kind === 'table' || l.kind === 'leaf' || l.kind === 'protnone' ? (
                  <>
                    {' '}
                    · frame <code>{hex(l.ppn)}</code>
                  </>
                ) : null}
              </li>
            ))}
          </ol>
          <p
            class="walk-stop"
            data-testid="walk-stop"
            data-stop={walk.stop}
            data-pa={walk.pa >= 0 ? hex(walk.pa) : ''}
          >
            Stopped at {STOP_TEXT[walk.stop]}
            {walk.stop === 'leaf' ? (
              <>
                {' '}
                → physical address <code>{hex(walk.pa)}</code> ({walk.pageSize / 1024} KiB page)
              </>
            ) : null}
          </p>
        </>
      )}
    </Panel>
  );
}

function TlbGrid(props: { tlb: TlbView; diff: SnapshotDiff; onWalk: (va: number) => void }) {
  const { tlb } = props;
  const rows: (typeof tlb.entries)[] = Array.from({ length: tlb.sets }, () => []);
  for (const e of tlb.entries) rows[e.set]?.push(e);
  const s = tlb.stats;
  return (
    <div class="tlb" data-testid="tlb" data-hart={tlb.hart}>
      <h3>
        hart {tlb.hart}{' '}
        <span class="note">
          {tlb.sets} sets × {tlb.ways} ways · {tlb.entries.length} valid · hits {s.hits} · misses {s.misses} ·
          evictions {s.evictions} · flushes {s.flushAll + s.flushAsid + s.flushVa + s.flushVaAsid}
        </span>
      </h3>
      {tlb.sets === 0 ? (
        <p class="empty">No TLB (off).</p>
      ) : (
        <table class="tlb-grid">
          <thead>
            <tr>
              <th scope="col">set</th>
              {Array.from({ length: tlb.ways }, (_, w) => (
                <th scope="col" key={w}>
                  way {w}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((entries, set) => (
              <tr key={set}>
                <th scope="row">{set}</th>
                {Array.from({ length: tlb.ways }, (_, w) => {
                  const e = entries[w];
                  if (e === undefined)
                    return (
                      <td key={w} class="free">
                        ·
                      </td>
                    );
                  return (
                    <td key={w} class={props.diff.tlb.has(tlbKey(tlb.hart, e)) ? 'changed' : undefined}>
                      <AddressButton va={e.vpn * 4096} onWalk={props.onWalk} />
                      <span class="tlb-detail">
                        → {hex(e.ppn)} · asid {e.global ? 'G' : e.asid}
                        {e.level > 0 ? ` · L${e.level}` : ''} · <code>{e.bits}</code>
                      </span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Each hart's TLB, set by set (valid entries of a set shown in way order). */
export function TlbPanel(props: { tlbs: TlbView[]; diff: SnapshotDiff; onWalk: (va: number) => void }) {
  return (
    <Panel id="panel-tlb" title="TLBs">
      {props.tlbs.map((t) => (
        <TlbGrid key={t.hart} tlb={t} diff={props.diff} onWalk={props.onWalk} />
      ))}
    </Panel>
  );
}

/** The frames in use: the zero page, page tables, data frames, with reference counts and owners. */
export function FramesPanel(props: {
  frames: FrameView[];
  inUse: number;
  total: number;
  diff: SnapshotDiff;
}) {
  return (
    <Panel id="panel-frames" title="Physical frames" note={`${props.inUse} of ${props.total} in use`}>
      <table class="frames">
        <thead>
          <tr>
            <th scope="col">frame</th>
            <th scope="col">kind</th>
            <th scope="col">refs</th>
            <th scope="col">owners</th>
          </tr>
        </thead>
        <tbody>
          {props.frames.map((f) => (
            <tr
              key={f.pfn}
              class={`${f.kind}${props.diff.frames.has(f.pfn) ? ' changed' : ''}`}
              data-testid="frame"
            >
              <td>
                <code>{hex(f.pfn)}</code>
              </td>
              <td>{f.kind === 'zero' ? 'zero page' : f.kind === 'table' ? 'page table' : 'data'}</td>
              <td>{f.kind === 'table' ? '—' : f.refs}</td>
              <td>
                {f.owners.map((o) => (
                  <div key={o}>{o}</div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

const MAX_EVENTS = 400;

/** The events of the last step. */
export function EventsPanel(props: { events: MmEvent[]; calls: string[]; result: string | null }) {
  const counts = countByKind(props.events);
  return (
    <Panel id="panel-events" title="Event log" note="of the last step">
      {props.calls.length > 0 ? (
        <ul class="calls" aria-label="calls of the step">
          {props.calls.map((c) => (
            <li key={c}>
              <code>$ {c}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {props.result !== null ? (
        <p class="result">
          oracle-format result: <code data-testid="step-result">{props.result}</code>
        </p>
      ) : null}
      <p class="note">
        {counts.length === 0 ? 'no events' : counts.map(([k, n]) => `${k} ×${n}`).join(' · ')}
      </p>
      <ol class="events">
        {props.events.slice(0, MAX_EVENTS).map((e, i) => (
          <li key={i} class={`ev-${e.kind.replace('.', '-')}`}>
            {formatEvent(e)}
          </li>
        ))}
      </ol>
      {props.events.length > MAX_EVENTS ? (
        <p class="note">… {props.events.length - MAX_EVENTS} more</p>
      ) : null}
    </Panel>
  );
}

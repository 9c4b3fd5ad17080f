import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../../shared/api';
import { Dispatcher, lazyHandlers, type HandlerTable } from './dispatch';

// Only the two handlers these tests call; the dispatcher never touches the others.
function dispatcherWith(handlers: Partial<HandlerTable>, events: PushEvent[] = []) {
  return new Dispatcher(handlers as HandlerTable, (e) => events.push(e));
}

describe('Dispatcher', () => {
  it('refuses a second running call with the same callId, and cancels the first by it', async () => {
    let release!: () => void;
    const d = dispatcherWith({
      'audit.verify': (_input, ctx) =>
        new Promise((resolve, reject) => {
          release = () => resolve({ ok: true, rows: 0, firstBadId: null, reason: null });
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const first = d.call('audit.verify', {}, 'same');
    const second = await d.call('audit.verify', {}, 'same');
    expect(second).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await d.call('jobs.cancel', { callId: 'same' })).toEqual({ ok: true, value: { cancelled: true } });
    expect((await first).ok).toBe(false);
    // The id is free again once the call has ended.
    const third = d.call('audit.verify', {}, 'same');
    release();
    expect(await third).toMatchObject({ ok: true });
  });

  it('reports a handler result that breaks the output schema as INTERNAL, not as data', async () => {
    const d = dispatcherWith({ 'audit.verify': () => ({ ok: 'yes' }) as never });
    expect(await d.call('audit.verify', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('says "is required" for a missing field', async () => {
    const d = dispatcherWith({});
    const r = await d.call('proposals.reject', { proposalId: 1, by: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: 'Invalid input for proposals.reject: comment is required.' } });
  });

  it('loads a lazy group on its first call, once, and again after a failed load', async () => {
    let loads = 0;
    let fail = true;
    const group = lazyHandlers(['indicators.list', 'imports.list'], async () => {
      loads++;
      if (fail) throw new Error('module missing');
      return { 'indicators.list': () => [], 'imports.list': () => [] };
    });
    const d = dispatcherWith(group);
    expect(loads).toBe(0);
    expect(await d.call('indicators.list', {})).toMatchObject({ ok: false, error: { message: expect.stringContaining('module missing') } });
    fail = false;
    expect(await d.call('indicators.list', {})).toEqual({ ok: true, value: [] });
    expect(await d.call('imports.list', {})).toEqual({ ok: true, value: [] });
    expect(await d.call('indicators.list', {})).toEqual({ ok: true, value: [] });
    expect(loads).toBe(2);
  });
});

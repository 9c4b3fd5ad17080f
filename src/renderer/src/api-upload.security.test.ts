import { describe, expect, it, vi } from 'vitest';
import { ApiCallError, createClient, httpTransport } from './api';

/*
 * Browser mode sends a file's bytes to /api/upload (streamed to a temporary file by the server) and then
 * the call with the upload's id: no path, and no base64 inside the JSON call, which the server keeps small.
 */

const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });

describe('HTTP transport: uploads', () => {
  it('uploads the bytes first, then calls with the upload id and without contentBase64', async () => {
    const fetchImpl = vi.fn(async (url: string, _init?: RequestInit) =>
      url.includes('/api/upload') ? json({ ok: true, value: { uploadId: 'u-1', bytes: 5, sha256: 'x' } }) : json({ ok: true, value: { kind: 'prices' } }),
    );
    const client = createClient(httpTransport({ token: 'tok', fetchImpl: fetchImpl as unknown as typeof fetch }));
    await client.call('imports.preview', { kind: 'prices', fileName: 'p ü.csv', contentBase64: Buffer.from('hello').toString('base64') });
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    const [uploadUrl, uploadInit] = fetchImpl.mock.calls[0]!;
    expect(uploadUrl).toBe('/api/upload?fileName=p%20%C3%BC.csv');
    expect(uploadInit!.headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'application/octet-stream' });
    expect(Buffer.from(await (uploadInit!.body as Blob).arrayBuffer()).toString()).toBe('hello');
    const [callUrl, callInit] = fetchImpl.mock.calls[1]!;
    expect(callUrl).toBe('/api/call/imports.preview');
    const envelope = JSON.parse(callInit!.body as string) as { input: Record<string, unknown>; upload: string };
    expect(envelope.upload).toBe('u-1');
    expect(envelope.input).toEqual({ kind: 'prices', fileName: 'p ü.csv' });
  });

  it('a refused upload is the call’s error, and the call is not made', async () => {
    // The server's refusal names the format and its limit in words: it is what the PM reads.
    const said = 'activity.csv is larger than 64 MB, the most browser mode accepts for an Interactive Brokers activity statement (CSV) (read whole into memory to be parsed). Nothing was kept.';
    const fetchImpl = vi.fn(async () => json({ ok: false, error: { code: 'BAD_INPUT', message: said } }, 413));
    const client = createClient(httpTransport({ token: 'tok', fetchImpl: fetchImpl as unknown as typeof fetch }));
    const error = await client.call('imports.prices', { fileName: 'activity.csv', contentBase64: 'AAAA' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiCallError);
    expect((error as ApiCallError).code).toBe('BAD_INPUT');
    expect((error as ApiCallError).message).toBe(said);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    // A 413 without a readable message still says what happened, in words.
    const bare = vi.fn(async () => json({}, 413));
    const other = await createClient(httpTransport({ token: 'tok', fetchImpl: bare as unknown as typeof fetch }))
      .call('imports.prices', { fileName: 'big.csv', contentBase64: 'AAAA' })
      .catch((e: unknown) => e);
    expect((other as ApiCallError).message).toMatch(/big\.csv is larger than the server accepts/);
  });

  it('calls without a file go straight to /api/call', async () => {
    const fetchImpl = vi.fn(async () => json({ ok: true, value: [] }));
    const client = createClient(httpTransport({ token: 'tok', fetchImpl: fetchImpl as unknown as typeof fetch }));
    await client.call('accounts.list', {});
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect((fetchImpl.mock.calls[0] as unknown as [string])[0]).toBe('/api/call/accounts.list');
  });
});

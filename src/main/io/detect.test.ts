import { describe, expect, it } from 'vitest';
import flexText from './__fixtures__/ibkr-flex/synthetic-two-accounts.flex.xml?raw';
import finText from './__fixtures__/mt535/synthetic-two-page.mt535.fin?raw';
import ofx1Text from './__fixtures__/ofx/synthetic-brokerage-ofx1.ofx?raw';
import ofx2Text from './__fixtures__/ofx/synthetic-brokerage-ofx2.ofx?raw';
import qfxText from './__fixtures__/ofx/synthetic-quicken.qfx?raw';
import appHdrText from './__fixtures__/semt002/synthetic-custody-apphdr.semt002.xml?raw';
import semtText from './__fixtures__/semt002/synthetic-custody.semt002.xml?raw';
import { detectPositionFormat } from './detect';
import { encode, utf16leBytes } from './structured-positions.test-helpers';

const formatOf = (input: string | Uint8Array) => detectPositionFormat(typeof input === 'string' ? encode(input) : input).format;

describe('detectPositionFormat', () => {
  it('recognises every fixture', () => {
    expect(formatOf(ofx1Text)).toBe('ofx');
    expect(formatOf(ofx2Text)).toBe('ofx');
    expect(formatOf(qfxText)).toBe('ofx');
    expect(formatOf(flexText)).toBe('ibkr-flex');
    expect(formatOf(finText)).toBe('mt535');
    expect(formatOf(semtText)).toBe('semt002');
    expect(formatOf(appHdrText)).toBe('semt002');
  });

  it('recognises bare MT535 text, headerless OFX, BOMs and UTF-16', () => {
    expect(formatOf(':16R:GENL\n:28E:1/ONLY\n:97A::SAFE//X\n:16S:GENL')).toBe('mt535');
    expect(formatOf('<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>')).toBe('ofx');
    expect(formatOf(`\uFEFF${ofx2Text}`)).toBe('ofx');
    expect(formatOf(utf16leBytes(semtText, true))).toBe('semt002');
    expect(formatOf(utf16leBytes(flexText, false))).toBe('ibkr-flex');
    expect(formatOf('<Document xmlns="urn:x"><SctiesBalCtdyRptV03/></Document>')).toBe('semt002');
  });

  it('falls back to CSV and explains why', () => {
    expect(detectPositionFormat(encode('Symbol,Quantity\nAAPL,10'))).toEqual({ format: 'csv', reason: expect.stringMatching(/read as CSV/) });
    expect(formatOf('')).toBe('csv');
    expect(formatOf(new Uint8Array([0xff, 0x00, 0x13, 0x88]))).toBe('csv');
    expect(formatOf('{1:F01X}{2:O5361200N}{4:\n:16R:GENL\n-}')).toBe('csv');
    expect(detectPositionFormat(ofx1Text).reason).toMatch(/OFX 1.x header/);
  });
});

import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalString } from '../../shared/domain';
import { FileIssue } from '../../shared/errors';
import flexText from './__fixtures__/ibkr-flex/synthetic-two-accounts.flex.xml?raw';
import finText from './__fixtures__/mt535/synthetic-two-page.mt535.fin?raw';
import ofx1Text from './__fixtures__/ofx/synthetic-brokerage-ofx1.ofx?raw';
import ofx2Text from './__fixtures__/ofx/synthetic-brokerage-ofx2.ofx?raw';
import qfxText from './__fixtures__/ofx/synthetic-quicken.qfx?raw';
import semtText from './__fixtures__/semt002/synthetic-custody.semt002.xml?raw';
import { isIsoDate } from './dates';
import { detectPositionFormat } from './detect';
import { compareMarketValue } from './holding-checks';
import type { HoldingLine, HoldingsFile, PositionFileFormat } from './holdings';
import { parseIbkrFlex } from './ibkr-flex';
import { isValidCusip, isValidIsin, isValidSedol } from './identifiers';
import { parseMt535 } from './mt535';
import { parseOfx } from './ofx';
import { hasErrors } from './report';
import { parseSemt002 } from './semt002';
import { encode, utf16leBytes } from './structured-positions.test-helpers';

/**
 * Corrupts valid files of every structured format and checks that each parser either parses correctly
 * or reports issues — never throws, never returns a holding that breaks the import rules, and finishes
 * in bounded time. Seeded, so a failure reproduces.
 */

const SEED = 20_535_002;
const RUNS = 40;
/** Generous for a 2-core CI machine; a parse of these fixtures takes milliseconds. */
const MAX_PARSE_MS = 5_000;

type Parser = (input: Uint8Array | string, fileName: string) => HoldingsFile;

interface Case {
  name: string;
  format: PositionFileFormat;
  parse: Parser;
  text: string;
  xml: boolean;
}

const CASES: Case[] = [
  { name: 'OFX 1.x SGML', format: 'ofx', parse: parseOfx, text: ofx1Text, xml: false },
  { name: 'OFX 2.x XML', format: 'ofx', parse: parseOfx, text: ofx2Text, xml: true },
  { name: 'QFX', format: 'ofx', parse: parseOfx, text: qfxText, xml: false },
  { name: 'IBKR Flex', format: 'ibkr-flex', parse: parseIbkrFlex, text: flexText, xml: true },
  { name: 'MT535', format: 'mt535', parse: parseMt535, text: finText, xml: false },
  { name: 'semt.002', format: 'semt002', parse: parseSemt002, text: semtText, xml: true },
];

/** Runs a parser and checks every invariant a corrupted file must still satisfy. */
function parseCleanly(testCase: Case, input: Uint8Array | string): HoldingsFile {
  const started = performance.now();
  let file: HoldingsFile;
  try {
    file = testCase.parse(input, 'fuzzed');
  } catch (error) {
    throw new Error(`${testCase.name} threw instead of reporting: ${error instanceof Error ? error.stack : String(error)}`);
  }
  expect(performance.now() - started).toBeLessThan(MAX_PARSE_MS);
  assertWellFormed(file, testCase.format);
  return file;
}

function assertWellFormed(file: HoldingsFile, format: PositionFileFormat): void {
  expect(file.format).toBe(format);
  for (const issue of file.issues) {
    expect(FileIssue.safeParse(issue).success).toBe(true);
    expect(issue.reason.length).toBeGreaterThan(0);
  }
  for (const statement of file.statements) {
    if (statement.asOf !== null) expect(isIsoDate(statement.asOf)).toBe(true);
    for (const holding of statement.holdings) assertHoldingKeepsTheRules(holding);
    for (const cash of statement.cash) {
      expect(DecimalString.safeParse(cash.amount).success).toBe(true);
      expect(new Big(cash.amount).gte(0)).toBe(true);
      expect(cash.currency).toMatch(/^[A-Z]{3}$/);
    }
  }
}

/** What validation promises about any holding it lets through, however the file was mangled. */
function assertHoldingKeepsTheRules(holding: HoldingLine): void {
  expect(Number.isInteger(holding.line) && holding.line >= 1).toBe(true);
  expect(DecimalString.safeParse(holding.quantity).success).toBe(true);
  expect(new Big(holding.quantity).gt(0)).toBe(true);
  expect(holding.price === null).toBe(holding.priceType === null);
  if (holding.price !== null) expect(new Big(holding.price).gt(0)).toBe(true);
  if (holding.currency !== null) expect(holding.currency).toMatch(/^[A-Z]{3}$/);
  const { isin, cusip, sedol } = holding.identifiers;
  if (isin) expect(isValidIsin(isin)).toBe(true);
  if (cusip) expect(isValidCusip(cusip)).toBe(true);
  if (sedol) expect(isValidSedol(sedol)).toBe(true);
  if (holding.price !== null && holding.priceType !== null && holding.marketValue !== null) {
    expect(compareMarketValue(holding.quantity, holding.price, holding.priceType, holding.marketValue).severity).not.toBe('error');
  }
}

/** Holdings without line numbers, sorted: what must survive a reordering of the file. */
function holdingSet(file: HoldingsFile): string[] {
  return file.statements.flatMap((statement) =>
    statement.holdings.map((holding) => JSON.stringify({ ...holding, line: 0, account: statement.accountId, asOf: statement.asOf })),
  ).sort();
}

const options = { seed: SEED, numRuns: RUNS };

describe.each(CASES)('$name under corruption', (testCase) => {
  const bytes = encode(testCase.text);
  const reference = testCase.parse(bytes, 'reference');

  it('parses the intact fixture without errors', () => {
    expect(reference.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
    expect(detectPositionFormat(bytes).format).toBe(testCase.format);
  });

  it('truncation at any offset: errors, or the same parse when only trailing bytes went', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        const file = parseCleanly(testCase, bytes.subarray(0, cut));
        if (!hasErrors(file.issues)) expect(file.statements).toEqual(reference.statements);
      }),
      options,
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (noise) => {
        parseCleanly(testCase, noise);
      }),
      options,
    );
  });

  it('random bytes overwritten inside the file', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const corrupted = bytes.slice();
        for (const [at, value] of edits) corrupted[at] = value;
        parseCleanly(testCase, corrupted);
      }),
      options,
    );
  });

  it('markup-like text inserted at random offsets', () => {
    const fragment = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('<', '>', '</', '<!--', ']]>', '&', '&lol;', '"', ':16R:FIN', ':16S:FIN', '\n:93B::AGGR//UNIT/N5,', '-}', '{4:', '<OFX>', '</INVPOS>', '<UNITS>-1', '<![CDATA['),
    );
    fc.assert(
      fc.property(fc.nat({ max: testCase.text.length }), fragment, (at, inserted) => {
        parseCleanly(testCase, encode(`${testCase.text.slice(0, at)}${inserted}${testCase.text.slice(at)}`));
      }),
      options,
    );
  });

  it('wrong encodings: UTF-16 with and without BOM, Latin-1 bytes, stray NULs', () => {
    const withBom = parseCleanly(testCase, utf16leBytes(testCase.text, true));
    // A byte-order mark is unambiguous, so the file reads exactly as in UTF-8.
    expect(withBom.statements).toEqual(reference.statements);
    parseCleanly(testCase, utf16leBytes(testCase.text, false));
    const latin = encode(testCase.text.replace('APPLE', 'APPLÉ').replace('SAP SE', 'SAP SÉ'));
    parseCleanly(testCase, latin.map((byte) => (byte === 0xc3 ? 0xc9 : byte)));
    parseCleanly(testCase, encode(testCase.text.replace(/\n/g, '\n\u0000')));
  });

  it('a 5 MB value in the file', () => {
    const huge = 'X'.repeat(5 * 1024 * 1024);
    const started = performance.now();
    const anchor = ['SYNTHETIC', 'Synthetic', 'SYN-'].find((candidate) => testCase.text.includes(candidate)) ?? '';
    parseCleanly(testCase, encode(testCase.text.replace(anchor, `${anchor}${huge}`)));
    expect(performance.now() - started).toBeLessThan(MAX_PARSE_MS);
  });
});

describe('nesting and entity attacks', () => {
  const deep = (open: string, close: string, depth: number) => `${open.repeat(depth)}${close.repeat(depth)}`;

  it.each(CASES.filter((testCase) => testCase.xml))('$name: 10 000 nested elements are refused without a stack overflow', (testCase) => {
    const started = performance.now();
    const file = parseCleanly(testCase, encode(`<?xml version="1.0"?>\n${deep('<a>', '</a>', 10_000)}`));
    expect(hasErrors(file.issues)).toBe(true);
    expect(file.issues[0]?.reason).toMatch(/nested more than 64 levels/);
    expect(performance.now() - started).toBeLessThan(MAX_PARSE_MS);
  });

  it('OFX 1.x: 10 000 nested aggregates are refused', () => {
    const file = parseCleanly(CASES[0] as Case, encode(`OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>${deep('<A>', '</A>', 10_000)}</OFX>`));
    expect(file.issues[0]?.reason).toMatch(/nested more than 64 levels/);
  });

  const billionLaughs = (root: string) =>
    `<?xml version="1.0"?>\n<!DOCTYPE ${root} [\n<!ENTITY a "aaaaaaaaaa">\n${Array.from({ length: 9 }, (_, i) => `<!ENTITY e${i} "${`&${i === 0 ? 'a' : `e${i - 1}`};`.repeat(10)}">`).join('\n')}\n]>\n<${root}>&e8;</${root}>`;
  const xxe = (root: string) => `<?xml version="1.0"?>\n<!DOCTYPE ${root} [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<${root}>&x;</${root}>`;
  const roots: Record<string, string> = { 'OFX 2.x XML': 'OFX', 'IBKR Flex': 'FlexQueryResponse', 'semt.002': 'Document' };

  it.each(CASES.filter((testCase) => testCase.xml))('$name: entity expansion and external entities are refused', (testCase) => {
    const root = roots[testCase.name] ?? 'r';
    for (const attack of [billionLaughs(root), xxe(root), testCase.text.replace(/<(OFX|FlexQueryResponse|Document)\b/, `<!DOCTYPE $1 [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<$1`)]) {
      const started = performance.now();
      const file = parseCleanly(testCase, encode(attack));
      expect(file.statements).toEqual([]);
      expect(file.issues).toEqual([expect.objectContaining({ field: 'DOCTYPE', severity: 'error' })]);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it('OFX 1.x: declarations in the SGML body are skipped, never expanded', () => {
    const file = parseCleanly(CASES[0] as Case, encode(ofx1Text.replace('<OFX>', '<OFX>\n<!ENTITY x SYSTEM "file:///etc/passwd">')));
    expect(file.issues).toEqual([]);
    expect(holdingSet(file)).toEqual(holdingSet(parseOfx(encode(ofx1Text), 'x')));
    expect(JSON.stringify(file)).not.toContain('passwd');
  });
});

describe('element order the formats leave free', () => {
  const shuffle = <T,>(items: T[], order: number[]) => order.map((index) => items[index] as T);
  const reorder = (text: string, pattern: RegExp, order: number[]) => {
    const blocks = text.match(pattern) ?? [];
    const first = text.indexOf(blocks[0] ?? '');
    const last = text.lastIndexOf(blocks[blocks.length - 1] ?? '') + (blocks[blocks.length - 1] ?? '').length;
    return `${text.slice(0, first)}${shuffle(blocks, order).join('')}${text.slice(last)}`;
  };
  const permutation = (length: number) => fc.shuffledSubarray([...Array(length).keys()], { minLength: length, maxLength: length });

  it('OFX: positions and security-list entries in any order', () => {
    for (const testCase of [CASES[0], CASES[1]] as Case[]) {
      const positions = /[ \t]*<POS(STOCK|MF|DEBT|OPT|OTHER)>[\s\S]*?<\/POS\1>\r?\n/g;
      const infos = /[ \t]*<(STOCK|MF|DEBT|OPT|OTHER)INFO>[\s\S]*?<\/\1INFO>\r?\n/g;
      const reference = holdingSet(testCase.parse(encode(testCase.text), 'x'));
      fc.assert(
        fc.property(permutation(5), permutation(5), (positionOrder, infoOrder) => {
          const text = reorder(reorder(testCase.text, positions, positionOrder), infos, infoOrder);
          const file = parseCleanly(testCase, encode(text));
          expect(file.issues).toEqual([]);
          expect(holdingSet(file)).toEqual(reference);
        }),
        { seed: SEED, numRuns: 15 },
      );
    }
  });

  it('IBKR Flex: statements, positions and attributes in any order', () => {
    const testCase = CASES[3] as Case;
    const reference = holdingSet(testCase.parse(encode(testCase.text), 'x'));
    const statementPattern = /<FlexStatement [\s\S]*?<\/FlexStatement>\n/g;
    fc.assert(
      fc.property(permutation(2), fc.boolean(), (statementOrder, reverseAttributes) => {
        let text = reorder(testCase.text, statementPattern, statementOrder);
        if (reverseAttributes) {
          text = text.replace(/<OpenPosition ([^>]*?)\s*\/>/g, (_whole, attributes: string) => `<OpenPosition ${(attributes.match(/\w+="[^"]*"/g) ?? []).reverse().join(' ')} />`);
        }
        const file = parseCleanly(testCase, encode(text));
        expect(file.issues).toEqual([]);
        expect(holdingSet(file)).toEqual(reference);
      }),
      { seed: SEED, numRuns: 10 },
    );
  });

  it('MT535: pages in any order and instrument blocks in any order within a page', () => {
    const testCase = CASES[4] as Case;
    const reference = holdingSet(testCase.parse(encode(testCase.text), 'x'));
    const pages = testCase.text.split(/(?=\{1:)/);
    const finBlock = /:16R:FIN\n[\s\S]*?:16S:FIN\n/g;
    fc.assert(
      fc.property(permutation(2), permutation(2), permutation(3), (pageOrder, firstOrder, secondOrder) => {
        const shuffled = [reorder(pages[0] ?? '', finBlock, firstOrder), reorder(pages[1] ?? '', finBlock, secondOrder)];
        const file = parseCleanly(testCase, encode(shuffle(shuffled, pageOrder).join('')));
        expect(file.issues).toEqual([]);
        expect(holdingSet(file)).toEqual(reference);
      }),
      { seed: SEED, numRuns: 15 },
    );
  });

  it('semt.002: balances in any order', () => {
    const testCase = CASES[5] as Case;
    const reference = holdingSet(testCase.parse(encode(testCase.text), 'x'));
    fc.assert(
      fc.property(permutation(4), (order) => {
        const file = parseCleanly(testCase, encode(reorder(testCase.text, / {4}<BalForAcct>[\s\S]*?<\/BalForAcct>\n/g, order)));
        expect(file.issues).toEqual([]);
        expect(holdingSet(file)).toEqual(reference);
      }),
      { seed: SEED, numRuns: 15 },
    );
  });
});

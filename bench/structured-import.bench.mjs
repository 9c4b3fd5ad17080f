// Structured holdings formats read as a stream (issue 10): imports a generated file of each streamed
// format through the built CLI (out/main/cli.js) at several sizes, and reports rows/second and the CLI
// process's peak RSS (goal ≤ 200 MB whatever the size; there is no size cap any more for these formats).
//
//   npm run bench -- structured-import [--json] [--mb N[,N…]] [--format ibkr-flex|semt002|mt535|ofx|ofx-xml]   (default 30,300 MB)
//
// Build first (`npm run build`). Peak RSS needs GNU time (/usr/bin/time); without it the field is null.
// `ofx` is OFX 1.x (SGML, as brokers' downloads mostly are) and `ofx-xml` OFX 2.x; both have the security
// list after the statements, as the specification orders them (the reader reads the file twice).
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtCli, progressLog, timed } from './timed.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = builtCli(root);
const args = process.argv.slice(2);
const formatArg = args.indexOf('--format');
const jsonOnly = args.includes('--json');
const mbArg = args.indexOf('--mb');
const sizesMb = mbArg >= 0 ? args[mbArg + 1].split(',').map(Number) : [30, 300];
if (sizesMb.some((n) => !(n > 0))) {
  console.error('--mb must be positive numbers, comma-separated');
  process.exit(2);
}
const log = progressLog(jsonOnly);

/** Lines per account statement, and distinct securities across the file (a large custodian's book). */
const LINES_PER_STATEMENT = 2_000;
const SECURITIES = 2_000;

/** Appends text to a file in 1 MB writes: a 300 MB file is never one string. */
function writer(file) {
  const fd = openSync(file, 'w');
  let parts = [];
  let size = 0;
  let written = 0;
  const flush = () => {
    writeSync(fd, parts.join(''));
    parts = [];
    size = 0;
  };
  return {
    push(text) {
      parts.push(text);
      size += text.length;
      written += text.length;
      if (size >= 1 << 20) flush();
    },
    get bytes() {
      return written;
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

/** An IBKR Flex Query of `mb` megabytes: statements of LINES_PER_STATEMENT summary lines each. */
function writeFlex(file, mb) {
  const out = writer(file);
  out.push('<?xml version="1.0" encoding="UTF-8"?>\n<FlexQueryResponse queryName="Bench" type="AF">\n<FlexStatements count="0">\n');
  let rows = 0;
  let statement = 0;
  while (out.bytes < mb * 1024 * 1024) {
    out.push(`<FlexStatement accountId="BENCH-F${String(statement).padStart(5, '0')}" fromDate="20260803" toDate="20260803" period="LastBusinessDay">\n<OpenPositions>\n`);
    for (let i = 0; i < LINES_PER_STATEMENT; i++) {
      const security = (statement * 7 + i) % SECURITIES;
      const quantity = 10 + ((statement + i) % 997);
      const price = (20 + (security % 400) * 0.37).toFixed(2);
      out.push(
        `<OpenPosition accountId="BENCH-F${String(statement).padStart(5, '0')}" currency="USD" assetCategory="STK" symbol="SYN${security}" description="Synthetic Security ${security}" conid="${900000 + security}" reportDate="20260803" position="${quantity}" markPrice="${price}" positionValue="${(quantity * Number(price)).toFixed(2)}" costBasisMoney="${(quantity * Number(price) * 0.9).toFixed(2)}" side="Long" levelOfDetail="SUMMARY" />\n`,
      );
      rows++;
    }
    out.push('</OpenPositions>\n<CashReport>\n<CashReportCurrency currency="USD" levelOfDetail="Currency" endingCash="1000.5" />\n</CashReport>\n</FlexStatement>\n');
    statement++;
  }
  out.push('</FlexStatements>\n</FlexQueryResponse>\n');
  out.close();
  return { rows, statements: statement };
}

/** An ISO 20022 semt.002 statement of `mb` megabytes: one report per account, LINES_PER_STATEMENT balances each. */
function writeSemt002(file, mb) {
  const out = writer(file);
  out.push('<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:semt.002.001.08">\n');
  let rows = 0;
  let statement = 0;
  while (out.bytes < mb * 1024 * 1024) {
    out.push(
      `<SctiesBalCtdyRpt>\n<Pgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></Pgntn>\n<StmtGnlDtls><StmtDtTm><Dt>2026-08-03</Dt></StmtDtTm><Frqcy><Cd>DAIL</Cd></Frqcy><UpdTp><Cd>COMP</Cd></UpdTp></StmtGnlDtls>\n<SfkpgAcct><Id>BENCH-S${String(statement).padStart(5, '0')}</Id></SfkpgAcct>\n`,
    );
    for (let i = 0; i < LINES_PER_STATEMENT; i++) {
      const security = (statement * 7 + i) % SECURITIES;
      const quantity = 10 + ((statement + i) % 997);
      const price = (20 + (security % 400) * 0.37).toFixed(2);
      out.push(
        `<BalForAcct><FinInstrmId><OthrId><Id>SYN${security}</Id><Tp><Cd>TICK</Cd></Tp></OthrId><Desc>Synthetic Security ${security}</Desc></FinInstrmId>` +
          `<AggtBal><Qty><Qty><Unit>${quantity}</Unit></Qty></Qty></AggtBal>` +
          `<PricDtls><Tp><Cd>MRKT</Cd></Tp><Val><Amt Ccy="USD">${price}</Amt></Val></PricDtls>` +
          `<AcctBaseCcyAmts><HldgVal><Amt Ccy="USD">${(quantity * Number(price)).toFixed(2)}</Amt><Sgn>true</Sgn></HldgVal></AcctBaseCcyAmts></BalForAcct>\n`,
      );
      rows++;
    }
    out.push('</SctiesBalCtdyRpt>\n');
    statement++;
  }
  out.push('</Document>\n');
  out.close();
  return { rows, statements: statement };
}

/** Holdings per MT535 message: SWIFT caps a message at 10 000 characters, so a statement comes as many pages. */
const MT535_HOLDINGS_PER_PAGE = 40;

/** SWIFT MT535 FIN messages of `mb` megabytes: one statement per account, paged MT535_HOLDINGS_PER_PAGE holdings a message. */
function writeMt535(file, mb) {
  const out = writer(file);
  const pagesPerStatement = Math.ceil(LINES_PER_STATEMENT / MT535_HOLDINGS_PER_PAGE);
  let rows = 0;
  let statement = 0;
  let message = 0;
  // SWIFT decimals: a comma as the decimal mark, always present ("1000," "20,37").
  const swift = (value) => (Number.isInteger(value) ? `${value},` : value.toFixed(2).replace('.', ','));
  while (out.bytes < mb * 1024 * 1024) {
    const account = `BENCH-M${String(statement).padStart(5, '0')}`;
    for (let page = 1; page <= pagesPerStatement; page++) {
      message++;
      out.push(
        `{1:F01SYNTBEBBAXXX${String(message).padStart(10, '0')}}{2:O5351800260803SYNTDEFFAXXX00000000012608031800N}{4:\n` +
          `:16R:GENL\n:28E:${page}/${page === pagesPerStatement ? 'LAST' : 'MORE'}\n:20C::SEME//BENCH${statement}\n:23G:NEWM\n:98A::STAT//20260803\n` +
          `:22F::SFRE//DAIL\n:22F::CODE//COMP\n:97A::SAFE//${account}\n:17B::ACTI//Y\n:16S:GENL\n:16R:SUBSAFE\n`,
      );
      for (let i = (page - 1) * MT535_HOLDINGS_PER_PAGE; i < Math.min(page * MT535_HOLDINGS_PER_PAGE, LINES_PER_STATEMENT); i++) {
        const security = (statement * 7 + i) % SECURITIES;
        const quantity = 10 + ((statement + i) % 997);
        const price = Number((20 + (security % 400) * 0.37).toFixed(2));
        out.push(
          `:16R:FIN\n:35B:/TS/SYN${security}\nSYNTHETIC SECURITY ${security}\n:90B::MRKT//ACTU/USD${swift(price)}\n:98A::PRIC//20260803\n` +
            `:93B::AGGR//UNIT/${swift(quantity)}\n:19A::HOLD//USD${swift(Number((quantity * price).toFixed(2)))}\n:16S:FIN\n`,
        );
        rows++;
      }
      out.push(`:16S:SUBSAFE\n-}{5:{CHK:${String(message).padStart(12, '0')}}}\n`);
    }
    statement++;
  }
  out.close();
  return { rows, statements: statement };
}

/**
 * An OFX investment download of `mb` megabytes: one INVSTMTRS per account with LINES_PER_STATEMENT positions,
 * then the SECLIST of the SECURITIES they hold. `xml` writes OFX 2.x (closed leaves), else OFX 1.x SGML.
 */
function writeOfx(file, mb, xml) {
  const out = writer(file);
  const leaf = xml ? (name, value) => `<${name}>${value}</${name}>` : (name, value) => `<${name}>${value}`;
  out.push(
    xml
      ? '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n<OFX>\n'
      : 'OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n',
  );
  out.push(`<SIGNONMSGSRSV1>\n<SONRS>\n<STATUS>\n${leaf('CODE', 0)}\n${leaf('SEVERITY', 'INFO')}\n</STATUS>\n${leaf('DTSERVER', '20260803180000')}\n${leaf('LANGUAGE', 'ENG')}\n</SONRS>\n</SIGNONMSGSRSV1>\n<INVSTMTMSGSRSV1>\n`);
  let rows = 0;
  let statement = 0;
  while (out.bytes < mb * 1024 * 1024) {
    const account = `BENCH-O${String(statement).padStart(5, '0')}`;
    out.push(
      `<INVSTMTTRNRS>\n${leaf('TRNUID', statement)}\n<STATUS>\n${leaf('CODE', 0)}\n${leaf('SEVERITY', 'INFO')}\n</STATUS>\n<INVSTMTRS>\n${leaf('DTASOF', '20260803')}\n${leaf('CURDEF', 'USD')}\n` +
        `<INVACCTFROM>\n${leaf('BROKERID', 'bench.example')}\n${leaf('ACCTID', account)}\n</INVACCTFROM>\n<INVPOSLIST>\n`,
    );
    for (let i = 0; i < LINES_PER_STATEMENT; i++) {
      const security = (statement * 7 + i) % SECURITIES;
      const quantity = 10 + ((statement + i) % 997);
      const price = (20 + (security % 400) * 0.37).toFixed(2);
      out.push(
        `<POSSTOCK>\n<INVPOS>\n<SECID>\n${leaf('UNIQUEID', `SYN${security}`)}\n${leaf('UNIQUEIDTYPE', 'TICKER')}\n</SECID>\n${leaf('HELDINACCT', 'CASH')}\n${leaf('POSTYPE', 'LONG')}\n` +
          `${leaf('UNITS', quantity)}\n${leaf('UNITPRICE', price)}\n${leaf('MKTVAL', (quantity * Number(price)).toFixed(2))}\n${leaf('DTPRICEASOF', '20260803')}\n</INVPOS>\n</POSSTOCK>\n`,
      );
      rows++;
    }
    out.push(`</INVPOSLIST>\n<INVBAL>\n${leaf('AVAILCASH', '1000.50')}\n${leaf('MARGINBALANCE', 0)}\n${leaf('SHORTBALANCE', 0)}\n</INVBAL>\n</INVSTMTRS>\n</INVSTMTTRNRS>\n`);
    statement++;
  }
  out.push('</INVSTMTMSGSRSV1>\n<SECLISTMSGSRSV1>\n<SECLIST>\n');
  for (let security = 0; security < SECURITIES; security++) {
    out.push(
      `<STOCKINFO>\n<SECINFO>\n<SECID>\n${leaf('UNIQUEID', `SYN${security}`)}\n${leaf('UNIQUEIDTYPE', 'TICKER')}\n</SECID>\n${leaf('SECNAME', `Synthetic Security ${security}`)}\n${leaf('TICKER', `SYN${security}`)}\n</SECINFO>\n</STOCKINFO>\n`,
    );
  }
  out.push('</SECLIST>\n</SECLISTMSGSRSV1>\n</OFX>\n');
  out.close();
  return { rows, statements: statement };
}

const FORMATS = {
  'ibkr-flex': { extension: 'flex.xml', write: writeFlex },
  semt002: { extension: 'semt002.xml', write: writeSemt002 },
  mt535: { extension: 'mt535.fin', write: writeMt535 },
  ofx: { extension: 'ofx', write: (file, mb) => writeOfx(file, mb, false) },
  'ofx-xml': { extension: 'xml.ofx', write: (file, mb) => writeOfx(file, mb, true) },
};
const NOT_STREAMED = [];


const dir = mkdtempSync(path.join(tmpdir(), 'ballast-structured-bench-'));
const results = [];
try {
  for (const [format, { extension, write }] of Object.entries(FORMATS)) {
    if (formatArg >= 0 && args[formatArg + 1] !== format) continue;
    for (const mb of sizesMb) {
      const file = path.join(dir, `bench-${mb}mb.${extension}`);
      log(`${format}: writing a ${mb} MB file …`);
      const { rows, statements } = write(file, mb);
      const bytes = statSync(file).size;
      const db = path.join(dir, `${format}-${mb}.db`);
      log(`${format}: preview-import (${rows} rows) …`);
      const preview = timed(process.execPath, [cli, 'preview-import', file, '--create-securities', '--db', db, '--json']);
      log(`${format}: import-positions …`);
      const run = timed(process.execPath, [cli, 'import-positions', file, '--create-securities', '--db', db, '--json']);
      const out = JSON.parse(run.stdout);
      if (out.rows !== rows) throw new Error(`${format} ${mb} MB: imported ${out.rows} rows, expected ${rows}`);
      results.push({
        format,
        fileMb: Math.round(bytes / (1024 * 1024)),
        rows,
        statements,
        import: { seconds: Math.round(run.ms) / 1000, rowsPerSecond: Math.round(rows / (run.ms / 1000)), peakRssMb: run.peakRssMb },
        preview: { seconds: Math.round(preview.ms) / 1000, rowsPerSecond: Math.round(rows / (preview.ms / 1000)), peakRssMb: preview.peakRssMb },
        goalPeakRssMb: 200,
        withinGoal: run.peakRssMb === null ? null : Math.max(run.peakRssMb, preview.peakRssMb ?? 0) <= 200,
      });
      rmSync(file, { force: true });
      rmSync(db, { force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const report = { suite: 'structured-import', node: process.version, results, notStreamed: NOT_STREAMED };
console.log(JSON.stringify(report, null, jsonOnly ? 0 : 2));

import type { HoldingLine, HoldingsFile } from './holdings';

/** The streaming readers' shape (issue 10): IBKR Flex, semt.002, MT535 and OFX. */

/** A holdings file read as a stream: the statements come without their holdings, which went to `onHolding`. */
export interface StreamedHoldingsFile extends HoldingsFile {
  /**
   * The file was refused as a whole (not well-formed XML, cut short, undecodable, a DTD, too deep, a value
   * too long): the holdings already handed to `onHolding` must be discarded. `statements` is then empty.
   */
  fatal: boolean;
}

export interface HoldingsStreamOptions {
  /** Each holding as soon as it is read and checked, with the index of its statement in the result. */
  onHolding(statement: number, holding: HoldingLine): void;
}

export interface HoldingsStreamReader {
  push(chunk: Uint8Array): void;
  /**
   * Called once the whole file was pushed, before end(): true when the reader needs the file once more from
   * its first byte (OFX: the security list that names the positions comes after them). The caller then pushes
   * every chunk again and calls end(). Readers that read a file once leave it out.
   */
  rewind?(): boolean;
  end(): StreamedHoldingsFile;
}

/**
 * A whole file through a streaming reader, its holdings put back on their statements in file order (the
 * in-memory parse the tests and the previewed mapping use). Text handed over as a string was never bytes, so
 * its encoding reads 'text'.
 */
export function readWhole(create: (options: HoldingsStreamOptions) => HoldingsStreamReader, input: Uint8Array | string): HoldingsFile {
  const holdings = new Map<number, HoldingLine[]>();
  const reader = create({
    onHolding: (statement, holding) => {
      const list = holdings.get(statement);
      if (list === undefined) holdings.set(statement, [holding]);
      else list.push(holding);
    },
  });
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input.replace(/^\uFEFF/, '')) : input;
  reader.push(bytes);
  if (reader.rewind?.() === true) reader.push(bytes);
  const { fatal: _fatal, ...file } = reader.end();
  file.statements.forEach((statement, index) => {
    statement.holdings = holdings.get(index) ?? [];
  });
  if (typeof input === 'string' && file.detected.encoding !== undefined) file.detected.encoding = 'text';
  return file;
}

import type { HoldingLine, HoldingsFile } from './holdings';

/** The streaming readers' shape (issue 10): IBKR Flex and semt.002 today. */

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
  end(): StreamedHoldingsFile;
}

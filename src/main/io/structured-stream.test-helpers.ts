import type { FileIssue } from '../../shared/errors';
import type { HoldingLine, HoldingsFile } from './holdings';
import type { HoldingsStreamOptions, HoldingsStreamReader, StreamedHoldingsFile } from './holdings-stream';
import { createIbkrFlexReader } from './ibkr-flex';

/** Shared by the streaming readers' tests (issue 10); not used by product code. */

/** Feeds `bytes` cut at `cuts` and collects the holdings as the import path stages them. */
export function streamed(
  bytes: Uint8Array,
  cuts: number[],
  create: (fileName: string, options: HoldingsStreamOptions) => HoldingsStreamReader = createIbkrFlexReader,
): { file: StreamedHoldingsFile; holdings: [number, HoldingLine][] } {
  const holdings: [number, HoldingLine][] = [];
  const reader = create('file.xml', { onHolding: (statement, holding) => holdings.push([statement, holding]) });
  const pushAll = () => {
    let at = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      reader.push(bytes.subarray(at, cut));
      at = cut;
    }
    reader.push(bytes.subarray(at));
  };
  pushAll();
  // A reader that needs the file twice (OFX) gets it again from the first byte, as the import gives it.
  if (reader.rewind?.() === true) pushAll();
  return { file: reader.end(), holdings };
}

/** Holdings back in their statements, as parseIbkrFlex returns them (JSON round trip: as staged). */
export function assemble({ file, holdings }: ReturnType<typeof streamed>): HoldingsFile {
  const { fatal: _fatal, ...rest } = file;
  const statements = rest.statements.map((s, index) => ({ ...s, holdings: holdings.filter(([i]) => i === index).map(([, h]) => h) }));
  return JSON.parse(JSON.stringify({ ...rest, statements })) as HoldingsFile;
}

/** Issues in line order: the streaming reader reports a statement's problems as its lines pass. */
const byLine = (issues: FileIssue[]) => [...issues].sort((a, b) => a.line - b.line || a.reason.localeCompare(b.reason));
export const normalised = (file: HoldingsFile) => ({ ...file, issues: byLine(file.issues) });


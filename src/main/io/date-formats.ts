import { type DateReading, isoDateFromParts, readIsoDate } from './dates';

/**
 * Date spellings found in custodian and price files. A file uses one of them throughout, so the format
 * is chosen per file (chooseDateFormat) and every cell is then read in that one format: reading each
 * cell in whichever format happens to fit would turn 03/04/2025 into March in one row and April in the
 * next.
 */
export const DATE_FORMATS = [
  'YYYY-MM-DD',
  'YYYY/MM/DD',
  'MM/DD/YYYY',
  'DD/MM/YYYY',
  'DD.MM.YYYY',
  'YYYYMMDD',
  'DD-Mon-YYYY',
  'Mon DD, YYYY',
] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

function monthNumber(name: string): number | null {
  return MONTHS[name.toLowerCase()] ?? null;
}

/** Date part alone; a time of day after it (spreadsheets and some custodians add one) carries no date. */
const TIME_SUFFIX = /(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,4})?)$/;

interface FormatPattern {
  readonly format: DateFormat;
  readonly cell: RegExp;
  /** The same shape inside free text (preamble lines); null when the shape is too easily confused. */
  readonly inText: RegExp | null;
  readonly parts: (match: RegExpExecArray) => { year: number; month: number | null; day: number };
}

const PATTERNS: readonly FormatPattern[] = [
  {
    format: 'YYYY-MM-DD',
    cell: /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
    inText: /(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/g,
    parts: (m) => ({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }),
  },
  {
    format: 'YYYY/MM/DD',
    cell: /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
    inText: /(?<!\d)(\d{4})\/(\d{1,2})\/(\d{1,2})(?!\d)/g,
    parts: (m) => ({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }),
  },
  {
    format: 'MM/DD/YYYY',
    cell: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/,
    inText: /(?<![\d/])(\d{1,2})\/(\d{1,2})\/(\d{4})(?!\d)/g,
    parts: (m) => ({ year: Number(m[3]), month: Number(m[1]), day: Number(m[2]) }),
  },
  {
    format: 'DD/MM/YYYY',
    cell: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/,
    inText: /(?<![\d/])(\d{1,2})\/(\d{1,2})\/(\d{4})(?!\d)/g,
    parts: (m) => ({ year: Number(m[3]), month: Number(m[2]), day: Number(m[1]) }),
  },
  {
    format: 'DD.MM.YYYY',
    cell: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/,
    inText: /(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)/g,
    parts: (m) => ({ year: Number(m[3]), month: Number(m[2]), day: Number(m[1]) }),
  },
  {
    format: 'YYYYMMDD',
    cell: /^(\d{4})(\d{2})(\d{2})$/,
    // Eight digits inside a sentence are more often an account number than a date.
    inText: null,
    parts: (m) => ({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }),
  },
  {
    format: 'DD-Mon-YYYY',
    cell: /^(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{4})$/,
    inText: /(?<!\d)(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{4})(?!\d)/g,
    parts: (m) => ({ year: Number(m[3]), month: monthNumber(m[2] ?? ''), day: Number(m[1]) }),
  },
  {
    format: 'Mon DD, YYYY',
    cell: /^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$/,
    inText: /\b([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(?!\d)/g,
    parts: (m) => ({ year: Number(m[3]), month: monthNumber(m[1] ?? ''), day: Number(m[2]) }),
  },
];

function patternOf(format: DateFormat): FormatPattern {
  const pattern = PATTERNS.find((p) => p.format === format);
  if (!pattern) throw new Error(`unknown date format ${format}`);
  return pattern;
}

function datePart(text: string): string {
  return text.replace(TIME_SUFFIX, '').trim();
}

/** One cell read in one format; the reasons name the expected format so the PM can fix the cell. */
export function readDateAs(text: string, format: DateFormat): DateReading {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'date is empty' };
  const part = datePart(trimmed);
  // ISO keeps readIsoDate's exact wording, which the simple formats already document.
  if (format === 'YYYY-MM-DD' && /^\d{4}-\d{2}-\d{2}$/.test(part)) {
    const reading = readIsoDate(part);
    return reading.ok ? reading : { ok: false, reason: reading.reason.replace(`"${part}"`, `"${trimmed}"`) };
  }
  const match = patternOf(format).cell.exec(part);
  if (!match) return { ok: false, reason: `"${trimmed}" is not a date in the form ${format}` };
  const { year, month, day } = patternOf(format).parts(match);
  if (month === null) return { ok: false, reason: `"${trimmed}" has a month name Ballast does not know` };
  return isoDateFromParts(year, month, day, trimmed);
}

export interface DateFormatChoice {
  format: DateFormat;
  /** profile: the custodian profile said so; file: the file's own dates settle it; assumed: nothing did. */
  basis: 'profile' | 'file' | 'assumed';
  /** Set when every slash date in the sample reads both month-first and day-first. */
  ambiguity: { example: string; message: string } | null;
}

/**
 * Chooses one format for a file from sample cells (its date column, as many rows as the reader has
 * seen). The format that reads the most cells wins. Slash dates whose first two numbers are both 12 or
 * less read either way; then the profile's format decides, else MM/DD/YYYY (the US custodians' default),
 * and the choice comes with a message for a warning, because a wrong guess moves every date.
 */
export function chooseDateFormat(samples: Iterable<string>, preferred: DateFormat | null = null): DateFormatChoice {
  const counts = new Map<DateFormat, number>(DATE_FORMATS.map((format) => [format, 0]));
  // Each distinct cell is read once and counted as often as it occurs, in the order it first occurs: a file's
  // window repeats a few dates (one per row of a day's prices, one per statement's holdings), and reading each
  // cell in every format was a tenth of a price file's preview.
  const occurrences = new Map<string, number>();
  for (const sample of samples) {
    if (sample.trim() === '') continue;
    occurrences.set(sample, (occurrences.get(sample) ?? 0) + 1);
  }
  let firstAmbiguous: string | null = null;
  for (const [sample, times] of occurrences) {
    for (const format of DATE_FORMATS) {
      if (readDateAs(sample, format).ok) counts.set(format, (counts.get(format) ?? 0) + times);
    }
    if (firstAmbiguous === null && readDateAs(sample, 'MM/DD/YYYY').ok && readDateAs(sample, 'DD/MM/YYYY').ok) {
      const us = readDateAs(sample, 'MM/DD/YYYY');
      const eu = readDateAs(sample, 'DD/MM/YYYY');
      if (us.ok && eu.ok && us.value !== eu.value) firstAmbiguous = sample.trim();
    }
  }
  if (preferred !== null && (counts.get(preferred) ?? 0) > 0) return { format: preferred, basis: 'profile', ambiguity: null };

  const best = Math.max(...counts.values());
  if (best === 0) return { format: preferred ?? 'YYYY-MM-DD', basis: preferred === null ? 'assumed' : 'profile', ambiguity: null };
  const leaders = DATE_FORMATS.filter((format) => counts.get(format) === best);
  const slashTie = leaders.includes('MM/DD/YYYY') && leaders.includes('DD/MM/YYYY');
  if (slashTie && firstAmbiguous !== null) {
    return {
      format: 'MM/DD/YYYY',
      basis: 'assumed',
      ambiguity: {
        example: firstAmbiguous,
        message: `dates such as ${firstAmbiguous} read both month-first and day-first; they were read as MM/DD/YYYY (US). If they are DD/MM/YYYY, set the date format in the custodian profile`,
      },
    };
  }
  return { format: leaders[0] ?? 'YYYY-MM-DD', basis: 'file', ambiguity: null };
}

export interface DateInText {
  date: string;
  format: DateFormat;
  /** The text as written, e.g. "03/31/2025". */
  written: string;
  /** A slash date that reads both ways; `preferred` (or US) decided. */
  ambiguous: boolean;
}

/**
 * The first date written anywhere in a line of text ("Positions for account 1234 as of 03/31/2025",
 * "as of 04:10 PM ET, 2025/03/31", "Stichtag: 31.03.2025"). `preferred` settles slash dates that read
 * both ways (the file's column format, or the profile's); `allowCompact` also accepts a bare YYYYMMDD.
 */
export function findDateInText(text: string, preferred: DateFormat | null = null, allowCompact = false): DateInText | null {
  const found: (DateInText & { index: number })[] = [];
  const slashOrder: DateFormat[] = preferred === 'DD/MM/YYYY' ? ['DD/MM/YYYY', 'MM/DD/YYYY'] : ['MM/DD/YYYY', 'DD/MM/YYYY'];
  const ordered = [...PATTERNS].sort((a, b) => slashRank(a.format, slashOrder) - slashRank(b.format, slashOrder));
  for (const pattern of ordered) {
    const regex = pattern.inText ?? (allowCompact && pattern.format === 'YYYYMMDD' ? /(?<!\d)((?:19|20|21)\d{2})(\d{2})(\d{2})(?!\d)/g : null);
    if (regex === null) continue;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const reading = readDateAs(match[0], pattern.format);
      if (!reading.ok) continue;
      if (found.some((f) => f.index === match.index)) continue;
      const other = pattern.format === 'MM/DD/YYYY' ? 'DD/MM/YYYY' : pattern.format === 'DD/MM/YYYY' ? 'MM/DD/YYYY' : null;
      const otherReading = other === null ? null : readDateAs(match[0], other);
      const ambiguous = otherReading !== null && otherReading.ok && otherReading.value !== reading.value;
      found.push({ date: reading.value, format: pattern.format, written: match[0], ambiguous, index: match.index });
    }
  }
  found.sort((a, b) => a.index - b.index);
  const first = found[0];
  if (!first) return null;
  return { date: first.date, format: first.format, written: first.written, ambiguous: first.ambiguous };
}

function slashRank(format: DateFormat, slashOrder: readonly DateFormat[]): number {
  const index = slashOrder.indexOf(format);
  return index < 0 ? 0 : index;
}

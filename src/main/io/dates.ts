/**
 * Market dates are plain calendar days (YYYY-MM-DD). The year window rejects typos such as 0202 or 20201
 * that are valid calendar dates yet cannot be market history.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_YEAR = 1900;
const MAX_YEAR = 2199;

export type DateReading = { ok: true; value: string } | { ok: false; reason: string };

export function readIsoDate(text: string): DateReading {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'date is empty' };
  const match = ISO_DATE.exec(trimmed);
  if (!match) return { ok: false, reason: `"${trimmed}" is not a date in the form YYYY-MM-DD` };
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < MIN_YEAR || year > MAX_YEAR) return { ok: false, reason: `"${trimmed}" has a year outside ${MIN_YEAR}–${MAX_YEAR}` };
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: `"${trimmed}" is not a real calendar date` };
  }
  return { ok: true, value: trimmed };
}

export function isIsoDate(text: string): boolean {
  const reading = readIsoDate(text);
  return reading.ok && reading.value === text;
}

/**
 * A calendar day from its parts, checked the same way as readIsoDate; `text` is the cell as written, for
 * the message. Shared by the other date formats (date-formats.ts) so every format has one notion of a
 * real market date.
 */
export function isoDateFromParts(year: number, month: number, day: number, text: string): DateReading {
  if (year < MIN_YEAR || year > MAX_YEAR) return { ok: false, reason: `"${text}" has a year outside ${MIN_YEAR}–${MAX_YEAR}` };
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: `"${text}" is not a real calendar date` };
  }
  return { ok: true, value: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

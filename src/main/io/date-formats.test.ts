import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseDateFormat, DATE_FORMATS, type DateFormat, findDateInText, readDateAs } from './date-formats';

describe('readDateAs', () => {
  it.each([
    ['2025-03-31', 'YYYY-MM-DD'],
    ['2025-3-31', 'YYYY-MM-DD'],
    ['2025-03-31T00:00:00Z', 'YYYY-MM-DD'],
    ['2025/03/31', 'YYYY/MM/DD'],
    ['03/31/2025', 'MM/DD/YYYY'],
    ['3/31/2025 4:00 PM', 'MM/DD/YYYY'],
    ['31/03/2025', 'DD/MM/YYYY'],
    ['31.03.2025', 'DD.MM.YYYY'],
    ['20250331', 'YYYYMMDD'],
    ['31-Mar-2025', 'DD-Mon-YYYY'],
    ['31 MARCH 2025', 'DD-Mon-YYYY'],
    ['Mar 31, 2025', 'Mon DD, YYYY'],
  ] as const)('%j in %s is 2025-03-31', (text, format) => {
    expect(readDateAs(text, format)).toEqual({ ok: true, value: '2025-03-31' });
  });

  it('explains what is wrong, naming the expected format', () => {
    expect(readDateAs('', 'MM/DD/YYYY')).toEqual({ ok: false, reason: 'date is empty' });
    expect(readDateAs('31/03/2025', 'MM/DD/YYYY')).toEqual({ ok: false, reason: '"31/03/2025" is not a real calendar date' });
    expect(readDateAs('2025-03-31', 'DD.MM.YYYY')).toEqual({ ok: false, reason: '"2025-03-31" is not a date in the form DD.MM.YYYY' });
    expect(readDateAs('01/07/2024', 'YYYY-MM-DD')).toEqual({ ok: false, reason: '"01/07/2024" is not a date in the form YYYY-MM-DD' });
    expect(readDateAs('2024-02-30', 'YYYY-MM-DD')).toMatchObject({ ok: false, reason: expect.stringContaining('not a real calendar date') });
    expect(readDateAs('31-Foo-2025', 'DD-Mon-YYYY')).toMatchObject({ ok: false, reason: expect.stringContaining('month name') });
    expect(readDateAs('01/01/1850', 'MM/DD/YYYY')).toMatchObject({ ok: false, reason: expect.stringContaining('year outside') });
  });

  it('writes any real day in any format and reads it back (property)', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const write = (iso: string, format: DateFormat): string => {
      const [y, m, d] = iso.split('-') as [string, string, string];
      switch (format) {
        case 'YYYY-MM-DD':
          return iso;
        case 'YYYY/MM/DD':
          return `${y}/${m}/${d}`;
        case 'MM/DD/YYYY':
          return `${m}/${d}/${y}`;
        case 'DD/MM/YYYY':
          return `${d}/${m}/${y}`;
        case 'DD.MM.YYYY':
          return `${d}.${m}.${y}`;
        case 'YYYYMMDD':
          return `${y}${m}${d}`;
        case 'DD-Mon-YYYY':
          return `${d}-${months[Number(m) - 1]}-${y}`;
        case 'Mon DD, YYYY':
          return `${months[Number(m) - 1]} ${d}, ${y}`;
      }
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 90_000 }), fc.constantFrom(...DATE_FORMATS), (days, format) => {
        const iso = new Date(Date.UTC(1950, 0, 1) + days * 86_400_000).toISOString().slice(0, 10);
        expect(readDateAs(write(iso, format), format)).toEqual({ ok: true, value: iso });
      }),
      { seed: 51, numRuns: 500 },
    );
  });
});

describe('chooseDateFormat', () => {
  it('takes the format that reads the most cells', () => {
    expect(chooseDateFormat(['2025-01-02', '2025-01-03', '01/07/2024'])).toEqual({ format: 'YYYY-MM-DD', basis: 'file', ambiguity: null });
    expect(chooseDateFormat(['31.03.2025', '01.04.2025'])).toMatchObject({ format: 'DD.MM.YYYY', basis: 'file' });
    expect(chooseDateFormat(['02-Jan-2025'])).toMatchObject({ format: 'DD-Mon-YYYY' });
  });

  it('one day above 12 settles month-first or day-first for the whole file', () => {
    expect(chooseDateFormat(['01/02/2025', '01/03/2025', '01/13/2025'])).toMatchObject({ format: 'MM/DD/YYYY', basis: 'file', ambiguity: null });
    expect(chooseDateFormat(['02/01/2025', '03/01/2025', '13/01/2025'])).toMatchObject({ format: 'DD/MM/YYYY', basis: 'file', ambiguity: null });
  });

  it('all slash dates ≤ 12: the profile decides, else US with a message for a warning', () => {
    const ambiguous = ['01/02/2025', '03/04/2025'];
    expect(chooseDateFormat(ambiguous, 'DD/MM/YYYY')).toEqual({ format: 'DD/MM/YYYY', basis: 'profile', ambiguity: null });
    const choice = chooseDateFormat(ambiguous);
    expect(choice.format).toBe('MM/DD/YYYY');
    expect(choice.basis).toBe('assumed');
    expect(choice.ambiguity?.example).toBe('01/02/2025');
    expect(choice.ambiguity?.message).toContain('read as MM/DD/YYYY (US)');
  });

  it('nothing readable: the profile, else ISO, assumed', () => {
    expect(chooseDateFormat(['x', ''])).toEqual({ format: 'YYYY-MM-DD', basis: 'assumed', ambiguity: null });
    expect(chooseDateFormat([], 'DD.MM.YYYY')).toMatchObject({ format: 'DD.MM.YYYY', basis: 'profile' });
  });

  it('chooses exactly as reading every cell in every format did, repeated cells or not', () => {
    // The choice as it was made before cells were read once each (issue 10): every cell, every format, in order.
    const reference = (samples: readonly string[], preferred: DateFormat | null) => {
      const counts = new Map<DateFormat, number>(DATE_FORMATS.map((format) => [format, 0]));
      let firstAmbiguous: string | null = null;
      for (const sample of samples) {
        if (sample.trim() === '') continue;
        for (const format of DATE_FORMATS) if (readDateAs(sample, format).ok) counts.set(format, counts.get(format)! + 1);
        const us = readDateAs(sample, 'MM/DD/YYYY');
        const eu = readDateAs(sample, 'DD/MM/YYYY');
        if (firstAmbiguous === null && us.ok && eu.ok && us.value !== eu.value) firstAmbiguous = sample.trim();
      }
      if (preferred !== null && counts.get(preferred)! > 0) return { format: preferred, basis: 'profile', ambiguity: null };
      const best = Math.max(...counts.values());
      if (best === 0) return { format: preferred ?? 'YYYY-MM-DD', basis: preferred === null ? 'assumed' : 'profile', ambiguity: null };
      const leaders = DATE_FORMATS.filter((format) => counts.get(format) === best);
      if (leaders.includes('MM/DD/YYYY') && leaders.includes('DD/MM/YYYY') && firstAmbiguous !== null) return { format: 'MM/DD/YYYY', example: firstAmbiguous };
      return { format: leaders[0], basis: 'file', ambiguity: null };
    };
    const day = fc.integer({ min: 1, max: 31 }).map((d) => String(d).padStart(2, '0'));
    const month = fc.integer({ min: 1, max: 13 }).map((m) => String(m).padStart(2, '0'));
    const year = fc.constantFrom('2024', '2025', '25');
    const cell = fc.oneof(
      fc.tuple(day, month, year).map(([d, m, y]) => `${d}/${m}/${y}`),
      fc.tuple(day, month, year).map(([d, m, y]) => `${m}/${d}/${y}`),
      fc.tuple(day, month, year).map(([d, m, y]) => `${y}-${m}-${d}`),
      fc.tuple(day, month, year).map(([d, m, y]) => `${d}.${m}.${y}`),
      fc.tuple(day, fc.constantFrom('Jan', 'Feb', 'Mar', 'Dec'), year).map(([d, m, y]) => `${d}-${m}-${y}`),
      fc.constantFrom('', '  ', 'x', ' 01/02/2025 ', '01/02/2025'),
    );
    // Few distinct cells, many repeats: what a file's window looks like.
    const samples = fc.array(cell, { maxLength: 12 }).chain((pool) => (pool.length === 0 ? fc.constant<string[]>([]) : fc.array(fc.constantFrom(...pool), { maxLength: 60 })));
    fc.assert(
      fc.property(samples, fc.option(fc.constantFrom(...DATE_FORMATS), { nil: null }), (cells, preferred) => {
        const choice = chooseDateFormat(cells, preferred);
        const expected = reference(cells, preferred);
        if ('example' in expected) expect([choice.format, choice.ambiguity?.example]).toEqual([expected.format, expected.example]);
        else expect(choice).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('findDateInText', () => {
  it.each([
    ['Positions for account 12345678 as of 03/31/2025', '2025-03-31', 'MM/DD/YYYY'],
    ['Positions for account Individual XXXX-1234 as of 04:10 PM ET, 2025/03/31', '2025-03-31', 'YYYY/MM/DD'],
    ['Stichtag: 31.03.2025', '2025-03-31', 'DD.MM.YYYY'],
    ['As of Mar 31, 2025 close', '2025-03-31', 'Mon DD, YYYY'],
    ['Statement date 31-Mar-2025', '2025-03-31', 'DD-Mon-YYYY'],
  ])('%j', (text, date, format) => {
    expect(findDateInText(text)).toMatchObject({ date, format, ambiguous: false });
  });

  it('an ambiguous slash date follows the preferred format and says it was ambiguous', () => {
    expect(findDateInText('as of 04/03/2025')).toMatchObject({ date: '2025-04-03', ambiguous: true });
    expect(findDateInText('as of 04/03/2025', 'DD/MM/YYYY')).toMatchObject({ date: '2025-03-04', ambiguous: true });
  });

  it('reads eight digits as a date only when asked, since they are often an account number', () => {
    expect(findDateInText('Account 20250331')).toBeNull();
    expect(findDateInText('As of: 20250331', null, true)).toMatchObject({ date: '2025-03-31', format: 'YYYYMMDD' });
  });
});

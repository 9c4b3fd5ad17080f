import { z } from 'zod';
import { IsoDate, IsoTimestamp } from './domain';

/**
 * Indicator series: market data that is not tradeable (a VIX level, a credit spread, a yield-curve slope, the
 * 13-week T-bill yield). The strategy reads 'input' series as shared model inputs and the one 'cash-rate'
 * series as the annualised rate cash earns. Values are kept as the source wrote them, in `unit`; the app
 * converts a rate to a fraction (percent / 100) when it builds the panel.
 */
export const IndicatorUnit = z.enum(['percent', 'level', 'fraction']);
export type IndicatorUnit = z.infer<typeof IndicatorUnit>;

export const IndicatorRole = z.enum(['input', 'cash-rate']);
export type IndicatorRole = z.infer<typeof IndicatorRole>;

/** Upper case like a ticker — VIX, TBILL-13W, TERM_SPREAD, ^IRX — at most 32 characters. */
export const INDICATOR_NAME_PATTERN = /^[A-Z0-9^][A-Z0-9.^=_/-]{0,31}$/;
export const IndicatorName = z
  .string()
  .transform((name) => name.trim().toUpperCase())
  .pipe(z.string().regex(INDICATOR_NAME_PATTERN, 'an indicator name is letters, digits and . ^ = _ / - (at most 32, e.g. VIX or TBILL-13W)'));

export const Indicator = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  description: z.string().nullable(),
  unit: IndicatorUnit,
  role: IndicatorRole,
  /** Observations stored, and the first and last of their dates (null when there are none). */
  count: z.number().int().nonnegative(),
  firstDate: IsoDate.nullable(),
  lastDate: IsoDate.nullable(),
  createdAt: IsoTimestamp,
});
export type Indicator = z.infer<typeof Indicator>;

export const IndicatorImportResult = z.object({
  fileName: z.string(),
  sha256: z.string(),
  /** 'indicators-single' (date + one value column) or 'indicators-wide' (date + one column per series). */
  format: z.string(),
  series: z.array(
    z.object({
      name: z.string(),
      unit: IndicatorUnit,
      role: IndicatorRole,
      /** True when the import created the series; false when it added to or corrected an existing one. */
      created: z.boolean(),
      /** Observations in the file. */
      rows: z.number().int().nonnegative(),
      /** Of those, how many were new or changed a stored value (re-importing the same file writes 0). */
      written: z.number().int().nonnegative(),
      from: IsoDate,
      to: IsoDate,
    }),
  ),
  warnings: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })),
  /** What detection found: encoding, delimiter, date format, number convention. */
  detected: z.record(z.string(), z.string()),
});
export type IndicatorImportResult = z.infer<typeof IndicatorImportResult>;

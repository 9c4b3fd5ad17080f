import { z } from 'zod';
import { AccountId, AssetClass } from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import { IndicatorName, IndicatorRole, IndicatorUnit } from '../../shared/indicators';
import { isValidCusip, isValidIsin, isValidSedol } from './identifiers';

/** One bundled indicator series (e.g. the T-bill yield the demo's cash earns). */
export const DemoIndicator = z
  .object({
    file: z.string().min(1),
    name: IndicatorName,
    role: IndicatorRole,
    unit: IndicatorUnit,
    description: z.string().min(1),
  })
  .strict();
export type DemoIndicator = z.infer<typeof DemoIndicator>;

/** resources/demo/demo.json: which bundled files make up the demo account. */
export const DemoManifest = z
  .object({
    accountId: AccountId,
    accountName: z.string().min(1),
    baseCurrency: z.string().regex(/^[A-Z]{3}$/),
    pricesFile: z.string().min(1),
    positionsFile: z.string().min(1),
    securitiesFile: z.string().min(1),
    indicators: z.array(DemoIndicator).default([]),
  })
  .strict();
export type DemoManifest = z.infer<typeof DemoManifest>;

/** One entry of a securities reference file (resources/demo/securities.json). */
export const DemoSecurity = z
  .object({
    ticker: z.string().min(1),
    name: z.string().min(1),
    assetClass: AssetClass,
    currency: z.string().regex(/^[A-Z]{3}$/),
    isin: z.string().refine(isValidIsin, 'not a valid ISIN (check digit)').nullable(),
    cusip: z.string().refine(isValidCusip, 'not a valid CUSIP (check digit)').nullable().default(null),
    sedol: z.string().refine(isValidSedol, 'not a valid SEDOL (check digit)').nullable().default(null),
  })
  .strict();
export type DemoSecurity = z.infer<typeof DemoSecurity>;

const DemoSecurities = z.array(DemoSecurity).superRefine((securities, ctx) => {
  const seen = new Set<string>();
  securities.forEach((security, index) => {
    if (seen.has(security.ticker)) ctx.addIssue({ code: 'custom', path: [index, 'ticker'], message: `ticker ${security.ticker} is listed twice` });
    seen.add(security.ticker);
  });
});

export function parseDemoManifest(text: string, fileName = 'demo.json'): DemoManifest {
  return parseJsonWith(DemoManifest, text, fileName);
}

export function parseDemoSecurities(text: string, fileName = 'securities.json'): DemoSecurity[] {
  return parseJsonWith(DemoSecurities, text, fileName);
}

function parseJsonWith<T extends z.ZodType>(schema: T, text: string, fileName: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const reason = `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
    throw new BallastError('IMPORT_REJECTED', `${fileName}: ${reason}`, { fileName, issues: [{ line: 0, field: '', reason, severity: 'error' }] });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues: FileIssue[] = parsed.error.issues.map((issue) => ({
    line: 0,
    field: issue.path.map(String).join('.'),
    reason: issue.message,
    severity: 'error',
  }));
  const first = issues.slice(0, 3).map((issue) => `${issue.field || '(root)'}: ${issue.reason}`).join('; ');
  throw new BallastError('IMPORT_REJECTED', `${fileName}: ${issues.length} problem${issues.length === 1 ? '' : 's'} — ${first}`, { fileName, issues });
}

import { BallastError, type FileIssue } from '../../shared/errors';

/**
 * Past this many errors a file is plainly the wrong file (or the wrong format); listing every cell of a
 * 70 000-cell price table would only make the report harder to read and heavier to send to the window.
 */
export const MAX_LISTED_ERRORS = 500;
const MAX_VALUE_CHARS = 80;

/** Collects the problems found in one file, in file order, capping how many errors are listed. */
export class IssueCollector {
  private readonly listed: FileIssue[] = [];
  private errors = 0;
  private unlisted = 0;

  error(line: number, field: string, reason: string, value?: string): void {
    this.errors += 1;
    if (this.errors > MAX_LISTED_ERRORS) {
      this.unlisted += 1;
      return;
    }
    this.listed.push(makeIssue(line, field, reason, 'error', value));
  }

  warning(line: number, field: string, reason: string, value?: string): void {
    this.listed.push(makeIssue(line, field, reason, 'warning', value));
  }

  get errorCount(): number {
    return this.errors;
  }

  toArray(): FileIssue[] {
    if (this.unlisted === 0) return [...this.listed];
    return [
      ...this.listed,
      makeIssue(0, '', `${this.unlisted} more problem${this.unlisted === 1 ? '' : 's'} not listed`, 'error'),
    ];
  }
}

function makeIssue(line: number, field: string, reason: string, severity: 'error' | 'warning', value?: string): FileIssue {
  const issue: FileIssue = { line, field, reason, severity };
  if (value !== undefined) {
    issue.value = value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
  }
  return issue;
}

export function errorsIn(issues: readonly FileIssue[]): FileIssue[] {
  return issues.filter((issue) => issue.severity === 'error');
}

export function warningsIn(issues: readonly FileIssue[]): FileIssue[] {
  return issues.filter((issue) => issue.severity === 'warning');
}

export function hasErrors(issues: readonly FileIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** "<file> line L, field F: reason" — the address a PM needs to find the cell. */
export function formatIssue(fileName: string, issue: FileIssue): string {
  const where = issue.line > 0 ? `${fileName} line ${issue.line}` : fileName;
  const field = issue.field === '' ? '' : `, field ${issue.field}`;
  return `${where}${field}: ${issue.reason}`;
}

const ISSUES_IN_MESSAGE = 3;

/**
 * Throws IMPORT_REJECTED when any issue is an error. Imports are all-or-nothing, so the message names
 * the first few problems and details carry every issue (warnings too) for the report view.
 */
export function assertNoErrors(fileName: string, issues: readonly FileIssue[]): void {
  const errors = errorsIn(issues);
  if (errors.length === 0) return;
  const unlistedSummary = errors.find((issue) => issue.line === 0 && /more problems? not listed$/.test(issue.reason));
  const counted = errors.length - (unlistedSummary ? 1 : 0) + (unlistedSummary ? Number.parseInt(unlistedSummary.reason, 10) : 0);
  const shown = errors
    .filter((issue) => issue !== unlistedSummary)
    .slice(0, ISSUES_IN_MESSAGE)
    .map((issue) => formatIssue(fileName, issue));
  const more = counted - shown.length;
  const tail = more > 0 ? `; and ${more} more` : '';
  throw new BallastError(
    'IMPORT_REJECTED',
    `${fileName}: ${counted} problem${counted === 1 ? '' : 's'}, nothing imported — ${shown.join('; ')}${tail}`,
    { fileName, issues: [...issues] },
  );
}

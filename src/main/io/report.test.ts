import { describe, expect, it } from 'vitest';
import { BallastError, type FileIssue } from '../../shared/errors';
import { IssueCollector, MAX_LISTED_ERRORS, assertNoErrors, formatIssue } from './report';

const issue = (line: number, field: string, reason: string, severity: 'error' | 'warning' = 'error'): FileIssue => ({ line, field, reason, severity });

function rejection(fileName: string, issues: FileIssue[]): BallastError {
  try {
    assertNoErrors(fileName, issues);
  } catch (error) {
    if (error instanceof BallastError) return error;
    throw error;
  }
  throw new Error('expected assertNoErrors to throw');
}

describe('assertNoErrors', () => {
  it('passes when there are only warnings', () => {
    expect(() => assertNoErrors('p.csv', [issue(1, 'name', 'column is not used', 'warning')])).not.toThrow();
    expect(() => assertNoErrors('p.csv', [])).not.toThrow();
  });

  it('throws IMPORT_REJECTED naming file, line, field and reason of the first few errors', () => {
    const issues = [
      issue(1, 'name', 'column is not used', 'warning'),
      issue(3, 'quantity', '"ten" is not a number'),
      issue(5, 'SPY', 'price is empty'),
      issue(7, '', 'the row has 2 cells but the header has 3'),
      issue(9, 'Date', 'date is empty'),
    ];
    const error = rejection('positions.csv', issues);
    expect(error.code).toBe('IMPORT_REJECTED');
    expect(error.message).toBe(
      'positions.csv: 4 problems, nothing imported — positions.csv line 3, field quantity: "ten" is not a number; ' +
        'positions.csv line 5, field SPY: price is empty; positions.csv line 7: the row has 2 cells but the header has 3; and 1 more',
    );
    expect(error.details).toEqual({ fileName: 'positions.csv', issues });
  });

  it('counts the errors a capped collector left out', () => {
    const collector = new IssueCollector();
    for (let i = 0; i < MAX_LISTED_ERRORS + 42; i++) collector.error(i + 2, 'A', 'bad');
    const issues = collector.toArray();
    expect(issues).toHaveLength(MAX_LISTED_ERRORS + 1);
    expect(rejection('x.csv', issues).message).toMatch(/^x\.csv: 542 problems, nothing imported — .*; and 539 more$/);
  });
});

describe('formatIssue', () => {
  it('leaves out what the issue does not have', () => {
    expect(formatIssue('f.csv', issue(2, 'SPY', 'bad'))).toBe('f.csv line 2, field SPY: bad');
    expect(formatIssue('f.csv', issue(2, '', 'bad'))).toBe('f.csv line 2: bad');
    expect(formatIssue('f.csv', issue(0, '', 'bad'))).toBe('f.csv: bad');
  });
});

describe('IssueCollector', () => {
  it('shortens long cell values', () => {
    const collector = new IssueCollector();
    collector.error(2, 'A', 'bad', 'x'.repeat(200));
    expect(collector.toArray()[0]?.value).toBe(`${'x'.repeat(80)}…`);
  });
});

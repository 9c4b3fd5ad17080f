interface ShownIssue {
  line: number | null;
  field: string;
  reason: string;
  severity?: 'error' | 'warning' | undefined;
  value?: string | null | undefined;
}

// Past this many, a table is no longer read row by row; the counts above it still cover every issue.
const MAX_SHOWN = 1_000;

/** Every problem found in a file, addressed by line and field so the PM can find it. */
export function IssueTable({ issues, testId }: { issues: readonly ShownIssue[]; testId: string }) {
  const shown = issues.slice(0, MAX_SHOWN);
  return (
    <div className="table-scroll">
      <table className="grid" data-testid={testId}>
        <thead>
          <tr>
            <th className="num">Line</th>
            <th>Field</th>
            <th>Reason</th>
            <th>Severity</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((issue, i) => {
            const severity = issue.severity ?? 'error';
            return (
              <tr
                key={i}
                data-testid="issue-row"
                data-line={issue.line ?? ''}
                data-field={issue.field}
                data-severity={severity}
                className={`severity-${severity}`}
              >
                <td className="num">{issue.line === null || issue.line === 0 ? 'file' : issue.line}</td>
                <td className="mono">{issue.field || '—'}</td>
                <td className="wrap">{issue.reason}</td>
                <td>{severity}</td>
                <td className="mono">{issue.value ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {issues.length > shown.length && (
        <p className="muted" data-testid="issues-truncated">
          … and {(issues.length - shown.length).toLocaleString('en-US')} more not listed here.
        </p>
      )}
    </div>
  );
}

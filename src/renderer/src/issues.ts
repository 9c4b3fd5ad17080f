import { ApiCallError } from './api';

export interface Issue {
  line: number | null;
  field: string;
  reason: string;
  value: string | null;
}

/** `details.issues` of an IMPORT_REJECTED error, read defensively: it crossed a process boundary. */
export function issuesOf(error: unknown): Issue[] {
  if (!(error instanceof ApiCallError)) return [];
  const details = error.details;
  if (typeof details !== 'object' || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((raw): Issue[] => {
    if (typeof raw !== 'object' || raw === null) return [];
    const i = raw as Record<string, unknown>;
    // File issues carry line/field/reason; a schema complaint about the call itself carries path/message.
    const reason = typeof i.reason === 'string' ? i.reason : typeof i.message === 'string' ? i.message : null;
    if (reason === null) return [];
    return [
      {
        line: typeof i.line === 'number' ? i.line : null,
        field: typeof i.field === 'string' ? i.field : typeof i.path === 'string' ? i.path : '',
        reason,
        value: typeof i.value === 'string' ? i.value : null,
      },
    ];
  });
}

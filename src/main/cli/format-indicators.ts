import type { Indicator, IndicatorImportResult } from '../../shared/indicators';
import { formatIssues } from './format';

const count = (n: number) => n.toLocaleString('en-US');
const roleLabel = (role: Indicator['role']) => (role === 'cash-rate' ? 'cash rate' : 'model input');

/** `ballast import-indicators`: one line per series, then the file's warnings. */
export function formatIndicatorImport(r: IndicatorImportResult): string {
  const lines = [`Imported ${r.series.length} indicator series from ${r.fileName} (${r.format}):`];
  for (const s of r.series) {
    const change = s.created ? 'new series' : s.written === 0 ? 'already up to date' : `${count(s.written)} new or corrected`;
    lines.push(`  ${s.name.padEnd(12)} ${count(s.rows)} observations ${s.from} → ${s.to}, ${s.unit}, ${roleLabel(s.role)} (${change})`);
  }
  if (r.warnings.length) lines.push(formatIssues(r.warnings.map((w) => ({ ...w, severity: 'warning' as const }))));
  return lines.join('\n');
}

/** `ballast indicators`: a table of the stored series. */
export function formatIndicators(list: readonly Indicator[]): string {
  if (!list.length) return 'No indicator series imported (ballast import-indicators <file>).';
  const width = Math.max(4, ...list.map((i) => i.name.length));
  const header = `${'NAME'.padEnd(width)}  ${'UNIT'.padEnd(8)}  ${'ROLE'.padEnd(11)}  ${'FROM'.padEnd(10)}  ${'TO'.padEnd(10)}  ${'OBS'.padStart(7)}  DESCRIPTION`;
  const rows = list.map(
    (i) =>
      `${i.name.padEnd(width)}  ${i.unit.padEnd(8)}  ${roleLabel(i.role).padEnd(11)}  ${(i.firstDate ?? '—').padEnd(10)}  ${(i.lastDate ?? '—').padEnd(10)}  ${count(i.count).padStart(7)}  ${i.description ?? ''}`.trimEnd(),
  );
  return [header, ...rows].join('\n');
}

/*
 * The PM's name, remembered between sessions: approvals, rejections and circuit-breaker overrides are all
 * recorded under it, so they share one remembered value.
 */
const REVIEWER_KEY = 'ballast.reviewer';

export function rememberedReviewer(): string {
  try {
    return localStorage.getItem(REVIEWER_KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberReviewer(name: string): void {
  try {
    localStorage.setItem(REVIEWER_KEY, name.trim());
  } catch {
    // Storage may be unavailable (private window); remembering the name is only a convenience.
  }
}

/**
 * Which account the header shows. A preferred account (one just imported) wins once the accounts list
 * knows it — until then the current selection stays, rather than jumping to the demo account because
 * the list has not been reloaded yet. Otherwise: keep a valid selection, else the demo account, else the first.
 */
export function chooseAccount(ids: readonly string[], current: string | null, preferred: string | null, demoId: string | undefined): string | null {
  if (preferred !== null && ids.includes(preferred)) return preferred;
  if (ids.length === 0) return current;
  if (current !== null && ids.includes(current)) return current;
  if (preferred !== null) return current ?? ids.find((id) => id === demoId) ?? ids[0] ?? null;
  return ids.find((id) => id === demoId) ?? ids[0] ?? null;
}

/** The account an import changed: the one it names, else its first statement's. */
export function importedAccount(result: { accountId: string | null; snapshots: readonly { accountId: string }[] }): string | null {
  return result.accountId ?? result.snapshots[0]?.accountId ?? null;
}

import { FixSettings } from '../../shared/domain';
import type { Store } from '../store';

/** Defaults until the PM saves their own: the names most EMS test sessions are set up with. */
export const DEFAULT_FIX_SETTINGS: FixSettings = {
  senderCompId: 'BALLAST',
  targetCompId: 'EMS',
  handlInst: null,
  timeInForce: 'DAY',
  newOrderList: false,
};

const FIX_SETTINGS_KEY = 'fix.settings';
/** MsgSeqNum(34) the next FIX message will carry; advanced in the same transaction as each export. */
const FIX_NEXT_SEQ_KEY = 'fix.nextMsgSeqNum';

export function getFixSettings(store: Store): FixSettings {
  const text = store.settings.get(FIX_SETTINGS_KEY);
  if (text === null) return DEFAULT_FIX_SETTINGS;
  // A value written by an older or hand-edited database falls back to the defaults field by field.
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return DEFAULT_FIX_SETTINGS;
  }
  const merged = FixSettings.safeParse({ ...DEFAULT_FIX_SETTINGS, ...(typeof stored === 'object' && stored !== null ? stored : {}) });
  return merged.success ? merged.data : DEFAULT_FIX_SETTINGS;
}

export function setFixSettings(store: Store, settings: FixSettings): FixSettings {
  const valid = FixSettings.parse(settings);
  store.settings.set(FIX_SETTINGS_KEY, JSON.stringify(valid));
  return valid;
}

export function nextFixSeqNum(store: Store): number {
  const n = Number(store.settings.get(FIX_NEXT_SEQ_KEY) ?? '1');
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

export function setNextFixSeqNum(store: Store, next: number): void {
  store.settings.set(FIX_NEXT_SEQ_KEY, String(next));
}

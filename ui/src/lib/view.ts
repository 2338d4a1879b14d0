// View logic the screens share, kept pure so it is tested without a window.
import type { AppInfo } from '../bindings/AppInfo';
import type { SyncStatus } from '../bindings/SyncStatus';

export const OFFICE_ROLES = ['dispatcher', 'supervisor', 'admin'];

/** Office screens (board, intake, dispatch, review) for dispatchers, supervisors and admins. */
export function isOfficeRole(role: string | null | undefined): boolean {
  return OFFICE_ROLES.includes(role ?? '');
}

/** Where the app opens: enrolment until enrolled, then the board (office) or Today (technician). */
export function homeFor(info: AppInfo | null): 'enrol' | 'board' | 'today' {
  if (!info?.enrolled) return 'enrol';
  return isOfficeRole(info.role) ? 'board' : 'today';
}

export type BadgeTone = 'muted' | 'busy' | 'warn' | 'bad' | 'good';
export type BadgeWord = 'notEnrolled' | 'syncing' | 'offline' | 'syncError' | 'pending' | 'synced';

/** The sync badge: one tone and one word, plus how many things wait to go up. */
export function syncBadge(s: SyncStatus | null): { tone: BadgeTone; word: BadgeWord; waiting: number } {
  const waiting = s ? s.pending_orders + s.pending_photos : 0;
  if (!s || s.phase === 'not_enrolled') return { tone: 'muted', word: 'notEnrolled', waiting: 0 };
  if (s.phase === 'syncing') return { tone: 'busy', word: 'syncing', waiting };
  if (s.phase === 'offline') return { tone: 'warn', word: 'offline', waiting };
  if (s.phase === 'error') return { tone: 'bad', word: 'syncError', waiting };
  if (waiting > 0) return { tone: 'warn', word: 'pending', waiting };
  return { tone: 'good', word: 'synced', waiting: 0 };
}

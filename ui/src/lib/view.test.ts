import { describe, expect, it } from 'vitest';
import type { AppInfo } from '../bindings/AppInfo';
import type { SyncStatus } from '../bindings/SyncStatus';
import { homeFor, isOfficeRole, syncBadge } from './view';

const info = (role: string | null, enrolled = true): AppInfo => ({
  enrolled, server_url: 'http://x', org: 'acme', role, person: null, device_code: 'ABC', version: '0.1.0',
});

const status = (over: Partial<SyncStatus>): SyncStatus => ({
  phase: 'idle', last_sync_ms: null, last_attempt_ms: null, next_attempt_ms: null, pending_orders: 0,
  pending_photos: 0, rejected: [], damaged: [], notices: [], error: null, last_report: null, ...over,
});

describe('home screen by role', () => {
  it('enrols first, then opens the board for the office and Today for technicians', () => {
    expect(homeFor(null)).toBe('enrol');
    expect(homeFor(info('technician', false))).toBe('enrol');
    expect(homeFor(info('technician'))).toBe('today');
    expect(homeFor(info('dispatcher'))).toBe('board');
    expect(homeFor(info('supervisor'))).toBe('board');
    expect(isOfficeRole('admin')).toBe(true);
    expect(isOfficeRole(null)).toBe(false);
  });
});

describe('sync badge', () => {
  it('says synced only when nothing waits', () => {
    expect(syncBadge(status({}))).toEqual({ tone: 'good', word: 'synced', waiting: 0 });
    expect(syncBadge(status({ pending_orders: 2, pending_photos: 3 }))).toEqual({ tone: 'warn', word: 'pending', waiting: 5 });
  });
  it('shows offline with what waits, errors, syncing and not enrolled', () => {
    expect(syncBadge(status({ phase: 'offline', pending_orders: 1 }))).toEqual({ tone: 'warn', word: 'offline', waiting: 1 });
    expect(syncBadge(status({ phase: 'error' })).tone).toBe('bad');
    expect(syncBadge(status({ phase: 'syncing' })).word).toBe('syncing');
    expect(syncBadge(status({ phase: 'not_enrolled', pending_orders: 4 }))).toEqual({ tone: 'muted', word: 'notEnrolled', waiting: 0 });
    expect(syncBadge(null).word).toBe('notEnrolled');
  });
});

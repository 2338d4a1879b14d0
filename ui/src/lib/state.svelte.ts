// App-wide state: who is using the device, the current screen, sync status and reference data.
import { listen } from '@tauri-apps/api/event';
import type { AppInfo } from '../bindings/AppInfo';
import type { ReferenceData } from '../bindings/ReferenceData';
import type { SyncProgress } from '../bindings/SyncProgress';
import type { SyncStatus } from '../bindings/SyncStatus';
import { api } from './api';
import { homeFor, isOfficeRole } from './view';

export type Route =
  | { name: 'enrol' }
  | { name: 'today' }
  | { name: 'board' }
  | { name: 'intake'; complaint?: boolean }
  | { name: 'callbacks' }
  | { name: 'complaints' }
  | { name: 'unit'; id: string }
  | { name: 'order'; id: string }
  | { name: 'signoff'; id: string; quantity?: boolean }
  | { name: 'sync' };

export const app = $state<{
  info: AppInfo | null;
  route: Route;
  history: Route[];
  sync: SyncStatus | null;
  progress: SyncProgress | null;
  reference: ReferenceData | null;
  /** Bumped whenever data may have changed (a sync finished): lists reload (they are cheap queries). */
  revision: number;
  /** The orders the last sync changed (`all` when it changed more than it lists): an open order reloads
   * only when it is among them. */
  changed: { n: number; ids: string[]; all: boolean };
  now: number;
}>({ info: null, route: { name: 'today' }, history: [], sync: null, progress: null, reference: null, revision: 0, changed: { n: 0, ids: [], all: false }, now: Date.now() });

/** Office screens (board, intake, dispatch, review) for dispatchers, supervisors and admins. */
export function isOffice(): boolean {
  return isOfficeRole(app.info?.role);
}

export function home(): Route {
  return { name: homeFor(app.info) };
}

export function go(route: Route) {
  app.history.push(app.route);
  app.route = route;
  window.scrollTo?.(0, 0);
}

export function back() {
  app.route = app.history.pop() ?? home();
}

export async function refreshInfo() {
  app.info = await api.appInfo();
  if (app.info.enrolled) app.reference = await api.reference();
}

export async function start() {
  await refreshInfo();
  app.route = home();
  app.sync = await api.syncStatus().catch(() => null);
  await listen<SyncStatus>('sync-status', async (e) => {
    const before = app.sync?.last_sync_ms;
    app.sync = e.payload;
    if (e.payload.phase !== 'syncing') app.progress = null;
    const report = e.payload.last_report;
    if (e.payload.last_sync_ms !== before && report?.reference) {
      // New people, units or settings (the first sync after enrolment brings them): names and lists.
      await refreshInfo().catch(() => undefined);
    }
    if (e.payload.last_sync_ms !== before && report && report.received > 0) {
      app.changed = { n: app.changed.n + 1, ids: report.changed, all: report.changed.length < report.received };
      app.revision++;
    } else if (e.payload.last_sync_ms !== before) {
      app.revision++;
    }
  });
  await listen<SyncProgress>('sync-progress', (e) => {
    app.progress = e.payload;
  });
  // The WebView's hint that the network is back: probe by syncing (the answer is the server's).
  window.addEventListener('online', () => void api.syncNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void api.syncNow();
  });
  setInterval(() => (app.now = Date.now()), 30_000);
}

export function personName(id: string | null | undefined): string {
  if (!id) return '';
  return app.reference?.people.find((p) => p.id === id)?.name ?? id;
}

// Typed calls into the Rust commands (src-tauri/src/commands.rs). The types are generated from Rust
// into ../bindings; a command's failure arrives as an AppError { code, message: { zh, en } }.
import { invoke } from '@tauri-apps/api/core';
import type { AppError } from '../bindings/AppError';
import type { AppInfo } from '../bindings/AppInfo';
import type { BoardFilter } from '../bindings/BoardFilter';
import type { Cause } from '../bindings/Cause';
import type { DispatchView } from '../bindings/DispatchView';
import type { Edit } from '../bindings/Edit';
import type { Frozen } from '../bindings/Frozen';
import type { NewOrder } from '../bindings/NewOrder';
import type { OrderDetail } from '../bindings/OrderDetail';
import type { OrderSummary } from '../bindings/OrderSummary';
import type { PhotoStage } from '../bindings/PhotoStage';
import type { ReferenceData } from '../bindings/ReferenceData';
import type { Routing } from '../bindings/Routing';
import type { SignInput } from '../bindings/SignInput';
import type { SyncStatus } from '../bindings/SyncStatus';
import type { UnitFile } from '../bindings/UnitFile';

/** Whatever a command threw, as an AppError (IPC failures included). */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const m = (e as { message: unknown }).message;
    if (m && typeof m === 'object' && 'zh' in m && 'en' in m) return e as AppError;
  }
  const text = e instanceof Error ? e.message : String(e);
  return { code: 'ipc', message: { zh: `应用内部通信失败：${text}`, en: `The app could not complete the call: ${text}` } };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asAppError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>('app_info'),
  enrol: (url: string, code: string, name: string) => call<AppInfo>('enrol', { url, code, name }),
  reference: () => call<ReferenceData>('reference'),
  today: () => call<OrderSummary[]>('today'),
  board: (filter: BoardFilter) => call<OrderSummary[]>('board', { filter }),
  callbacks: () => call<OrderSummary[]>('callbacks'),
  unitFile: (unit: string) => call<UnitFile>('unit_file', { unit }),
  search: (query: string) => call<OrderSummary[]>('search', { query }),
  order: (id: string) => call<OrderDetail>('order', { id }),
  edit: (id: string, edit: Edit) => call<OrderDetail>('apply_edit', { id, edit }),
  createOrder: (order: NewOrder) => call<OrderDetail>('create_order', { order }),
  routingPreview: (unit: string, category: string, cause: Cause | null) =>
    call<Routing | null>('routing_preview', { unit, category, cause }),
  dispatchSuggestion: (id: string) => call<DispatchView>('dispatch_suggestion', { id }),
  freeze: (id: string) => call<Frozen>('signoff_freeze', { id }),
  sign: (input: SignInput) => call<OrderDetail>('signoff_sign', { input }),
  syncNow: () => call<SyncStatus>('sync_now'),
  syncStatus: () => call<SyncStatus>('sync_status'),
  dismissNotices: (upTo: number) => call<SyncStatus>('dismiss_notices', { upTo }),
};

/** A photo file on this device as an image URL (the asset protocol, scoped to the photo folder). */
export function assetUrl(path: string | null | undefined): string {
  if (!path) return '';
  const w = window as unknown as { __TAURI_INTERNALS__?: { convertFileSrc: (p: string, proto: string) => string } };
  return w.__TAURI_INTERNALS__?.convertFileSrc(path, 'asset') ?? '';
}

const CHUNK = 2 * 1024 * 1024;
const isAndroid = typeof navigator !== 'undefined' && /Android/i.test(navigator.userAgent);

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Send one photo file to Rust in chunks (raw bytes; base64 on Android) and attach it. */
export async function attachPhoto(
  orderId: string,
  file: Blob,
  stage: PhotoStage,
  caption: string,
  onProgress?: (sent: number, total: number) => void,
): Promise<OrderDetail> {
  const upload = await call<string>('photo_begin');
  for (let at = 0; at < file.size; at += CHUNK) {
    const bytes = new Uint8Array(await file.slice(at, at + CHUNK).arrayBuffer());
    const body = isAndroid ? { data: base64(bytes) } : bytes;
    try {
      await invoke<number>('photo_chunk', body, { headers: { 'x-upload': upload } });
    } catch (e) {
      throw asAppError(e);
    }
    onProgress?.(Math.min(at + CHUNK, file.size), file.size);
  }
  return call<OrderDetail>('photo_finish', { upload, order: orderId, stage, caption });
}

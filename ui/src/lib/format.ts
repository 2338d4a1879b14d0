// Formatting of money, quantities, times and countdowns in zh-CN and en. Pure functions: the clock
// and the time zone are passed in (the organisation's zone, Asia/Shanghai by default), never read here.

export type Lang = 'zh' | 'en';

export const DEFAULT_TZ = 'Asia/Shanghai';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Money in fen (1/100 yuan) as people write it: ¥1,234.50. */
export function money(fen: number, lang: Lang): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const yuan = Math.floor(abs / 100).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return `${sign}¥${yuan}.${cents}`;
}

/** Parse what a person typed as yuan ("12.5", "¥12.50", "1,200") into fen; null when it is not money. */
export function parseMoney(text: string): number | null {
  const t = text.trim().replace(/^[¥￥]/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** A quantity in thousandths of its unit: 1500 → "1.5". */
export function quantity(thousandths: number): string {
  const s = (thousandths / 1000).toFixed(3);
  return s.replace(/\.?0+$/, '');
}

/** Parse a typed quantity ("1.5") into thousandths; null when it is not a positive number. */
export function parseQuantity(text: string): number | null {
  const t = text.trim();
  if (!/^\d+(\.\d{1,3})?$/.test(t)) return null;
  const v = Math.round(Number(t) * 1000);
  return v > 0 ? v : null;
}

const WEEK_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const WEEK_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The calendar fields of a moment in `tz` (assembled here, so every engine prints the same). */
export function partsIn(ms: number, tz: string) {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23',
  });
  const get = (type: string) => Number(fmt.formatToParts(new Date(ms)).find((p) => p.type === type)?.value ?? 0);
  const year = get('year'), month = get('month'), day = get('day');
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, weekday, hour: get('hour') % 24, minute: get('minute') };
}

/** A moment: "11月22日 周日 14:30" / "Sun 22 Nov, 14:30"; the year only when it differs from now's. */
export function dateTime(ms: number, lang: Lang, nowMs: number, tz = DEFAULT_TZ): string {
  const p = partsIn(ms, tz);
  const sameYear = p.year === partsIn(nowMs, tz).year;
  const hm = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
  if (lang === 'zh') return `${sameYear ? '' : `${p.year}年`}${p.month}月${p.day}日 ${WEEK_ZH[p.weekday]} ${hm}`;
  return `${WEEK_EN[p.weekday]} ${p.day} ${MONTH_EN[p.month - 1]}${sameYear ? '' : ` ${p.year}`}, ${hm}`;
}

/** A duration in words: 2天3小时 / 2 d 3 h; 1小时20分 / 1 h 20 min; 5分钟 / 5 min. */
export function duration(ms: number, lang: Lang): string {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  const m = Math.floor((abs % HOUR) / MINUTE);
  if (lang === 'zh') {
    if (d > 0) return h > 0 ? `${d}天${h}小时` : `${d}天`;
    if (h > 0) return m > 0 ? `${h}小时${m}分` : `${h}小时`;
    return `${Math.max(m, abs > 0 ? 1 : 0)}分钟`;
  }
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${Math.max(m, abs > 0 ? 1 : 0)} min`;
}

/** An SLA countdown: "剩 1小时20分" / "1 h 20 min left"; past due: "超时 35分钟" / "35 min overdue". */
export function countdown(leftMs: number, lang: Lang): string {
  if (leftMs < 0) return lang === 'zh' ? `超时 ${duration(leftMs, lang)}` : `${duration(leftMs, lang)} overdue`;
  return lang === 'zh' ? `剩 ${duration(leftMs, lang)}` : `${duration(leftMs, lang)} left`;
}

/** How long ago: "刚刚" / "just now", "5分钟前" / "5 min ago". */
export function ago(ms: number, nowMs: number, lang: Lang): string {
  const d = nowMs - ms;
  if (d < MINUTE) return lang === 'zh' ? '刚刚' : 'just now';
  return lang === 'zh' ? `${duration(d, lang)}前` : `${duration(d, lang)} ago`;
}

export type Tone = 'overdue' | 'risk' | 'ok' | 'none';

/** The colour a deadline shows. */
export function dueTone(due: { overdue: boolean; at_risk: boolean } | null | undefined): Tone {
  if (!due) return 'none';
  if (due.overdue) return 'overdue';
  if (due.at_risk) return 'risk';
  return 'ok';
}

/** A phone number for people who should not see it whole (lists, screenshots): 138****5678. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\s/g, '');
  if (digits.length < 7) return digits;
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

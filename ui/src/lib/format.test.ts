import { describe, expect, it } from 'vitest';
import { ago, countdown, dateTime, dueTone, duration, maskPhone, money, parseMoney, parseQuantity, quantity } from './format';

// 2026-11-22 14:30 in Shanghai (06:30 UTC), a Sunday.
const NOW = Date.UTC(2026, 10, 22, 6, 30);

describe('money', () => {
  it('prints fen as yuan with two decimals and grouping', () => {
    expect(money(123450, 'zh')).toBe('¥1,234.50');
    expect(money(5, 'en')).toBe('¥0.05');
    expect(money(-1999, 'zh')).toBe('-¥19.99');
    expect(money(0, 'en')).toBe('¥0.00');
  });
  it('parses what people type, refusing what is not money', () => {
    expect(parseMoney('12.5')).toBe(1250);
    expect(parseMoney('¥1,200')).toBe(120000);
    expect(parseMoney('￥0.05')).toBe(5);
    expect(parseMoney('12.345')).toBeNull();
    expect(parseMoney('abc')).toBeNull();
    expect(parseMoney('')).toBeNull();
    expect(parseMoney('-3')).toBeNull();
  });
});

describe('quantities', () => {
  it('print thousandths without trailing zeros', () => {
    expect(quantity(1500)).toBe('1.5');
    expect(quantity(2000)).toBe('2');
    expect(quantity(125)).toBe('0.125');
  });
  it('parse positive decimals up to three places', () => {
    expect(parseQuantity('1.5')).toBe(1500);
    expect(parseQuantity('0')).toBeNull();
    expect(parseQuantity('1.2345')).toBeNull();
    expect(parseQuantity('two')).toBeNull();
  });
});

describe('dates in the organisation time zone', () => {
  it('shows month, day, weekday and 24-hour time in zh-CN and en', () => {
    expect(dateTime(NOW, 'zh', NOW)).toBe('11月22日 周日 14:30');
    expect(dateTime(NOW, 'en', NOW)).toBe('Sun 22 Nov, 14:30');
  });
  it('uses the organisation zone, not the device zone', () => {
    expect(dateTime(Date.UTC(2026, 10, 22, 17, 5), 'en', NOW)).toBe('Mon 23 Nov, 01:05');
  });
  it('adds the year only for another year', () => {
    const lastYear = Date.UTC(2025, 0, 5, 1, 0);
    expect(dateTime(lastYear, 'zh', NOW)).toBe('2025年1月5日 周日 09:00');
    expect(dateTime(lastYear, 'en', NOW)).toBe('Sun 5 Jan 2025, 09:00');
  });
});

describe('countdowns', () => {
  it('reads as time left, in each language', () => {
    expect(countdown(80 * 60_000, 'zh')).toBe('剩 1小时20分');
    expect(countdown(80 * 60_000, 'en')).toBe('1 h 20 min left');
    expect(countdown(2 * 86_400_000 + 3 * 3_600_000, 'zh')).toBe('剩 2天3小时');
    expect(countdown(2 * 86_400_000 + 3 * 3_600_000, 'en')).toBe('2 d 3 h left');
  });
  it('reads as overdue once past due', () => {
    expect(countdown(-35 * 60_000, 'zh')).toBe('超时 35分钟');
    expect(countdown(-35 * 60_000, 'en')).toBe('35 min overdue');
  });
  it('never shows zero minutes for a deadline a few seconds away', () => {
    expect(duration(20_000, 'en')).toBe('1 min');
    expect(duration(0, 'zh')).toBe('0分钟');
  });
  it('says how long ago', () => {
    expect(ago(NOW - 10_000, NOW, 'zh')).toBe('刚刚');
    expect(ago(NOW - 5 * 60_000, NOW, 'en')).toBe('5 min ago');
    expect(ago(NOW - 2 * 3_600_000, NOW, 'zh')).toBe('2小时前');
  });
});

describe('deadline colours', () => {
  it('overdue beats at risk beats ok', () => {
    expect(dueTone({ overdue: true, at_risk: true })).toBe('overdue');
    expect(dueTone({ overdue: false, at_risk: true })).toBe('risk');
    expect(dueTone({ overdue: false, at_risk: false })).toBe('ok');
    expect(dueTone(null)).toBe('none');
  });
});

describe('phone masking', () => {
  it('keeps the first three and last four digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('12345')).toBe('12345');
  });
});

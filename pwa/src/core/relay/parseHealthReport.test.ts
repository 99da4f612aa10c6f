import { describe, expect, it } from 'vitest';
import { parseHealthReport } from './parseHealthReport.js';

const report = { status: 'ok', version: '0.1.0', uptimeSeconds: 12.5, database: 'ok' } as const;

describe('parseHealthReport', () => {
  it('accepts a well-formed report and drops unknown fields', () => {
    expect(parseHealthReport({ ...report, extra: true })).toEqual(report);
  });

  it('accepts a degraded relay', () => {
    const degraded = { ...report, status: 'degraded', database: 'unavailable' };
    expect(parseHealthReport(degraded)).toEqual(degraded);
  });

  it('refuses anything else', () => {
    expect(parseHealthReport(null)).toBeUndefined();
    expect(parseHealthReport('ok')).toBeUndefined();
    expect(parseHealthReport({ ...report, status: 'fine' })).toBeUndefined();
    expect(parseHealthReport({ ...report, version: '' })).toBeUndefined();
    expect(parseHealthReport({ ...report, version: 1 })).toBeUndefined();
    expect(parseHealthReport({ ...report, uptimeSeconds: -1 })).toBeUndefined();
    expect(parseHealthReport({ ...report, uptimeSeconds: Number.NaN })).toBeUndefined();
    expect(parseHealthReport({ ...report, database: 'maybe' })).toBeUndefined();
  });
});

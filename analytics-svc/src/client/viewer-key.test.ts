import { describe, expect, it } from '@jest/globals';
import { utcDay, viewerKey, VIEWER_KEY_LENGTH } from './viewer-key.js';

describe('utcDay', () => {
  it('names the UTC day of any instant, across midnights, in either direction and for dates before 1970', () => {
    const instants = [
      '2026-11-23T00:00:00.000Z',
      '2026-11-23T23:59:59.999Z',
      '2026-11-24T00:00:00.000Z',
      '2026-11-23T12:00:00.000Z',
      '2024-02-29T23:59:59.999Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '2026-11-23T23:59:59.999Z',
    ];
    for (const iso of instants) {
      expect(utcDay(Date.parse(iso))).toBe(iso.slice(0, 10));
      expect(utcDay(new Date(iso))).toBe(iso.slice(0, 10));
    }
    expect(utcDay()).toBe(new Date().toISOString().slice(0, 10));
  });
});

describe('viewerKey', () => {
  it('is stable within a day, differs across days and secrets, and never contains the IP', () => {
    const key = viewerKey('203.0.113.7', 'curl/8', 'a-secret-of-16-chars', '2026-11-23');
    expect(key).toHaveLength(VIEWER_KEY_LENGTH);
    expect(viewerKey('203.0.113.7', 'curl/8', 'a-secret-of-16-chars', '2026-11-23')).toBe(key);
    expect(viewerKey('203.0.113.7', 'curl/8', 'a-secret-of-16-chars', '2026-11-24')).not.toBe(key);
    expect(viewerKey('203.0.113.7', 'curl/8', 'another-secret-16-chars', '2026-11-23')).not.toBe(key);
    expect(key).not.toContain('203');
  });
});

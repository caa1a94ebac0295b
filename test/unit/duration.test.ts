import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, isDuration, parseDuration } from '../../src/util/duration.ts';

test('parses the durations drill files use', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('4h'), 14_400_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
});

test('rejects what is not a duration with the fix in the message', () => {
  assert.equal(isDuration('4 hours'), false);
  assert.equal(isDuration('10'), false);
  assert.throws(() => parseDuration('4 hours'), { message: '"4 hours" is not a duration; write it like 90s, 30m, 4h or 1h30m' });
});

test('formats durations compactly for reports', () => {
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(12_340), '12.3s');
  assert.equal(formatDuration(245_000), '4m 05s');
  assert.equal(formatDuration(3 * 3_600_000 + 12 * 60_000), '3h 12m');
  assert.equal(formatDuration(26 * 3_600_000), '1d 2h');
  assert.equal(formatDuration(Number.NaN), 'n/a');
});

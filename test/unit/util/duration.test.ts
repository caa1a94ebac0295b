import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, isDuration, parseDuration } from '../../../src/util/duration.ts';

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

test('formats figures exactly: no nonzero unit dropped, nothing rounded toward an objective', () => {
  assert.equal(formatDuration(0), '0ms');
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(12_000), '12s');
  assert.equal(formatDuration(12_340), '12.340s');
  assert.equal(formatDuration(245_000), '4m 05s');
  assert.equal(formatDuration(245_007), '4m 05.007s');
  assert.equal(formatDuration(3 * 3_600_000 + 12 * 60_000), '3h 12m 00s');
  // The example: 24h 06m used to print as "1d 0h", equal to a 24h objective.
  assert.equal(formatDuration(24 * 3_600_000 + 6 * 60_000), '24h 06m 00s');
  assert.equal(formatDuration(24 * 3_600_000), '24h 00m 00s');
  assert.equal(formatDuration(26 * 3_600_000 + 1), '26h 00m 00.001s');
  // A fraction of a millisecond over 4h must not print as exactly 4h.
  assert.equal(formatDuration(4 * 3_600_000 + 0.2), '4h 00m 00.001s');
  assert.equal(formatDuration(-3_000), '-3s');
  assert.equal(formatDuration(Number.NaN), 'n/a');
});

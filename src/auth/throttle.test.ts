import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignInThrottle, signInThrottleOf } from './throttle.js';

void describe('SignInThrottle', () => {
  void it('lets an account be tried until its failures reach the limit, then says how long to wait', () => {
    let now = 1_000_000;
    const t = new SignInThrottle(3, 100, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(t.wait('1.2.3.4', 'Gina'), null);
      t.failed('1.2.3.4', 'Gina');
    }
    assert.equal(t.wait('1.2.3.4', ' gina '), 60, 'login compared case- and space-insensitively');
    assert.equal(t.wait('5.6.7.8', 'gina'), null, 'another address is not blocked');
    assert.equal(t.wait('1.2.3.4', 'bob'), null, 'another account from the address is not blocked');
    now += 30_000;
    assert.equal(t.wait('1.2.3.4', 'gina'), 30);
    now += 30_000;
    assert.equal(t.wait('1.2.3.4', 'gina'), null, 'the window ended');
  });

  void it('blocks an address that tries many accounts', () => {
    const t = new SignInThrottle(10, 5, 60_000, () => 0);
    for (let i = 0; i < 5; i++) t.failed('9.9.9.9', `user${i}`);
    assert.equal(t.wait('9.9.9.9', 'someone-new'), 60);
    assert.equal(t.wait('9.9.9.8', 'someone-new'), null);
  });

  void it('is shared per owner object', () => {
    const a = {};
    assert.equal(signInThrottleOf(a), signInThrottleOf(a));
    assert.notEqual(signInThrottleOf(a), signInThrottleOf({}));
  });
});

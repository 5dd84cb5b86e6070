/**
 * Push reservations without HTTP: a real WikiRuntime, short bounds, a head the test moves by hand, and a socket whose
 * close is emitted by hand.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { WikiRuntime } from '../../usecases/runtime.js';
import { PushReservations } from './push-reservations.js';

const TIMES = { idleMs: 60, capMs: 600 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A runtime and a head that moves only when the test says so. */
function wiki() {
  const runtime = new WikiRuntime();
  const state = { head: 'a' };
  return { runtime, state, wiki: { runtime, head: () => state.head } };
}

/** How long a write starting now waits for the holds. */
async function settledAfter(runtime: WikiRuntime): Promise<number> {
  const started = performance.now();
  await runtime.pushesSettled();
  return performance.now() - started;
}

/** Runs `body` with a timer keeping the process alive: holds' timers do not. */
async function withAlive<T>(body: () => T | Promise<T>): Promise<T> {
  const alive = setInterval(() => undefined, 1000);
  try {
    return await body();
  } finally {
    clearInterval(alive);
  }
}

void test('the hold lasts while push refs are produced, then only the idle bound once they are sent', () =>
  withAlive(async () => {
    const { runtime, wiki: w } = wiki();
    const reservations = new PushReservations(TIMES);
    const r = reservations.pushRefs(w, 'c', null);
    assert.equal(r.held, true);
    await sleep(100);
    // Still producing the refs: longer than the idle bound, the hold stands.
    assert.equal(runtime.pushHoldCount, 1);
    r.shown();
    const waited = await settledAfter(runtime);
    assert.ok(waited >= 50 && waited < 400, `waited ${waited} ms`);
    // Lapsed, but remembered until the client shows up or leaves (its delay may be learned).
    assert.equal(reservations.size, 1);
    reservations.end('c');
    assert.equal(reservations.size, 0);
  }));

void test('a closed connection, another request of the client or failed refs end the hold at once', () =>
  withAlive(() => {
    const { runtime, wiki: w } = wiki();
    const reservations = new PushReservations({ idleMs: 5000, capMs: 5000 });
    const socket = new Socket();
    reservations.pushRefs(w, 'c', socket).shown();
    assert.equal(runtime.pushHoldCount, 1);
    socket.emit('close');
    assert.equal(runtime.pushHoldCount, 0);
    assert.equal(reservations.size, 0);
    assert.equal(socket.listenerCount('close'), 0);

    // The client fetched the head its push is shown: nothing to push, nothing to retry.
    reservations.fetchRefs(w, 'c').shown();
    reservations.pushRefs(w, 'c', null).shown();
    reservations.fetchRefs(w, 'other').shown();
    reservations.fetchRequest('other')();
    assert.equal(runtime.pushHoldCount, 1, "another client's requests change nothing");
    assert.equal(reservations.fetchRefs(w, 'c').held, false);
    assert.equal(runtime.pushHoldCount, 0, "the client's fetch ends its push hold");

    reservations.pushRefs(w, 'd', null).cancel();
    assert.equal(runtime.pushHoldCount, 0);

    // New push refs for the same client replace the first: one hold per client, never two.
    const first = new Socket();
    reservations.pushRefs(w, 'e', first);
    reservations.pushRefs(w, 'e', null);
    assert.equal(runtime.pushHoldCount, 1);
    assert.equal(first.listenerCount('close'), 0);
    first.emit('close');
    assert.equal(runtime.pushHoldCount, 1, "the first connection's close does not end the second hold");
    reservations.end('e');
    assert.equal(runtime.pushHoldCount, 0);
  }));

void test('a POST takes the hold over until it ends (at most the cap); no reservation, nothing to release', () =>
  withAlive(async () => {
    const { runtime, wiki: w } = wiki();
    const reservations = new PushReservations(TIMES);
    const socket = new Socket();
    reservations.pushRefs(w, 'c', socket).shown();
    const release = reservations.claim('c');
    await sleep(150);
    assert.equal(runtime.pushHoldCount, 1, 'the idle bound no longer applies once the POST came');
    socket.emit('close');
    assert.equal(runtime.pushHoldCount, 1, 'the connection belongs to the POST now');
    release();
    assert.equal(runtime.pushHoldCount, 0);
    release();
    reservations.claim('c')();

    reservations.pushRefs(w, 'c', null).shown();
    reservations.claim('c');
    const capped = await settledAfter(runtime);
    assert.ok(capped >= 500 && capped < 1200, `waited ${capped} ms`);
  }));

void test("git's probe keeps the hold for the POST that follows it", () =>
  withAlive(async () => {
    const { runtime, wiki: w } = wiki();
    const reservations = new PushReservations(TIMES);
    reservations.pushRefs(w, 'c', null).shown();
    reservations.probe('c');
    await sleep(150);
    assert.equal(runtime.pushHoldCount, 1);
    reservations.claim('c')();
    assert.equal(runtime.pushHoldCount, 0);
    reservations.probe('nobody');
    assert.equal(runtime.pushHoldCount, 0);
  }));

void test('a client whose POST was slow to come gets twice that delay next time; a late POST is held for if main stayed', () =>
  withAlive(async () => {
    const { runtime, state, wiki: w } = wiki();
    const reservations = new PushReservations(TIMES);
    reservations.pushRefs(w, 'far', null).shown();
    await sleep(150);
    assert.equal(runtime.pushHoldCount, 0);
    // main did not move meanwhile: the late POST is held for again, and can still land.
    const late = reservations.claim('far');
    assert.equal(runtime.pushHoldCount, 1);
    late();
    reservations.pushRefs(w, 'far', null).shown();
    const learned = await settledAfter(runtime);
    assert.ok(learned >= 250 && learned < 700, `waited ${learned} ms`);
    reservations.pushRefs(w, 'near', null).shown();
    const near = await settledAfter(runtime);
    assert.ok(near < 250, `another client is not affected: waited ${near} ms`);

    // main moved while the hold had lapsed: the push cannot land, so nothing is held for it.
    reservations.pushRefs(w, 'moved', null).shown();
    await sleep(100);
    state.head = 'b';
    const moved = reservations.claim('moved');
    assert.equal(runtime.pushHoldCount, 0);
    moved();
  }));

void test('a client turned away by git (new head, no POST) has its next fetch reserved, and the hold carries to its push', () =>
  withAlive(async () => {
    const { runtime, state, wiki: w } = wiki();
    const reservations = new PushReservations({ idleMs: 200, capMs: 1000 });
    // The client pulled at head a; a write moved main to b; its push refs show b, and git gives up ("fetch first").
    const pull = reservations.fetchRefs(w, 'c');
    assert.equal(pull.held, false);
    pull.shown();
    state.head = 'b';
    const socket = new Socket();
    reservations.pushRefs(w, 'c', socket).shown();
    socket.emit('close');
    assert.equal(runtime.pushHoldCount, 0);

    // Its pull: refs and the POSTs that fetch them are held, and so is the gap to its push.
    const retry = reservations.fetchRefs(w, 'c');
    assert.equal(retry.held, true);
    retry.shown();
    const fetched = reservations.fetchRequest('c');
    await sleep(300);
    assert.equal(runtime.pushHoldCount, 1, 'held through the fetch');
    fetched();
    await sleep(100);
    assert.equal(runtime.pushHoldCount, 1, 'held between the pull and the push');
    const push = reservations.pushRefs(w, 'c', null);
    push.shown();
    assert.equal(runtime.pushHoldCount, 1);
    reservations.claim('c')();
    assert.equal(runtime.pushHoldCount, 0);

    // Once used, the mark is gone; and an up-to-date push (the head it pulled) leaves none.
    assert.equal(reservations.fetchRefs(w, 'c').held, false);
    reservations.fetchRefs(w, 'c').shown();
    const upToDate = new Socket();
    reservations.pushRefs(w, 'c', upToDate).shown();
    upToDate.emit('close');
    assert.equal(reservations.fetchRefs(w, 'c').held, false);
  }));

void test("a retrying client's fetches hold writes for a bounded time, however many requests they make", () =>
  withAlive(async () => {
    const { runtime, state, wiki: w } = wiki();
    const reservations = new PushReservations({ idleMs: 100, capMs: 150 });
    reservations.fetchRefs(w, 'c').shown();
    state.head = 'b';
    reservations.pushRefs(w, 'c', null).shown();
    reservations.end('c');
    reservations.fetchRefs(w, 'c').shown();
    const started = performance.now();
    while (runtime.pushHoldCount > 0 && performance.now() - started < 3000) {
      reservations.fetchRequest('c')();
      await sleep(20);
    }
    const held = performance.now() - started;
    assert.ok(held >= 350 && held < 1000, `held ${held} ms`);
  }));

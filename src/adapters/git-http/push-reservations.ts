/**
 * When a push holds its wiki's in-process writes back, and when it lets go. A client decides what to push from the
 * refs it was shown, so a write landing between the refs and the push's check makes the push fail ("fetch first");
 * on a busy wiki every push would. So a push's advertisement (`info/refs?service=git-receive-pack`) reserves the wiki
 * (WikiRuntime.reservePush), and the hold ends as soon as the client shows which way it went:
 * - its POST finished or failed (the route releases what `claim` gave it), at most `capMs` after the POST came;
 * - its connection closed before any POST: `git push` with nothing to send ("Everything up-to-date") or a client that
 *   gave up exits right after reading the refs, while git keeps the connection for the POST otherwise;
 * - the same client sent another request for the wiki (a fetch, new refs for a push);
 * - nothing came for the idle bound after the refs were sent (behind a proxy that pools connections, the close is
 *   never seen). The bound is short; a client whose next request was seen to take longer gets twice that (within
 *   `capMs`), so a distant client is not shut out of a busy wiki for good.
 * A client turned away by git itself ("fetch first": it was shown a head it did not have, and left without a POST)
 * pulls and pushes again. Holding writes only from its push's refs on would never help it (a write lands between its
 * pull and its push), so its next fetch, within RETRY_WINDOW_MS, is reserved too, and the hold carries over from the
 * pull to the push. Other fetches never hold anything.
 * "The same client" is the wiki and the client's address (request.ip: behind a reverse proxy, set
 * WIKIBOT_TRUST_PROXY), not its credentials: git fetches a public wiki anonymously and pushes with a token.
 */
import type { Socket } from 'node:net';
import type { PushHold, WikiRuntime } from '../../usecases/runtime.js';

export interface ReservationTimes {
  /** After a response to a reserved client: how long its next request may take to come before it is given up on. */
  idleMs: number;
  /** The longest one hold lasts at a time: while refs are produced, from a POST's arrival, and so on. */
  capMs: number;
}

export const RESERVATION_TIMES: ReservationTimes = { idleMs: 300, capMs: 2000 };

/** How long after being turned away a client's fetch counts as the pull before its next push. */
const RETRY_WINDOW_MS = 60_000;
/** A retrying client's fetches hold writes for this many `capMs` at most, however many requests they make. */
const FETCH_CAPS = 3;
/** Clients remembered (sequences, learned delays, heads seen); the oldest are forgotten beyond this. */
const MAX_CLIENTS = 10_000;
/** A request this long after the previous one teaches nothing about the client's delay. */
const MAX_LEARNED_GAP_MS = 60_000;

/** The wiki a client is shown: its write queue, and its head as it is now. */
export interface ReservedWiki {
  runtime: Pick<WikiRuntime, 'reservePush'>;
  head(): string | null;
}

/** A reserved client's requests so far: a retrying client's fetch (`fetch`), or refs shown for a push (`push`). */
interface Sequence {
  wiki: ReservedWiki;
  hold: PushHold;
  step: 'fetch' | 'push';
  startedAt: number;
  /** When push refs were sent, and the head they showed. */
  shown: { at: number; head: string | null } | null;
  /** When the last response ended while the idle bound ran; null when there is no gap to learn. */
  lastEnd: number | null;
  detach: () => void;
}

/** What an advertisement route does with its reservation. */
export interface Reservation {
  /** Whether writes are held (the route then lets queued writes finish before producing the refs). */
  held: boolean;
  /** The refs were sent: from now on the idle bound runs. */
  shown(): void;
  /** The refs could not be sent: let go now. */
  cancel(): void;
}

const noop = () => undefined;

export class PushReservations {
  private readonly sequences = new Map<string, Sequence>();
  /** The head each client was shown by its last fetch. */
  private readonly seen = new Map<string, string | null>();
  /** Clients turned away by git, until when their next fetch is reserved. */
  private readonly retrying = new Map<string, number>();
  private readonly gaps = new Map<string, number>();

  constructor(private readonly times: ReservationTimes = RESERVATION_TIMES) {}

  /**
   * A push is about to be shown the refs: holds the wiki's new writes back. `connection` is the client's socket when
   * its closing means the client left (a keep-alive connection). A retrying client's hold carries over from its pull.
   */
  pushRefs(wiki: ReservedWiki, client: string, connection: Socket | null): Reservation {
    const previous = this.sequences.get(client);
    let hold: PushHold;
    if (previous?.step === 'fetch') {
      this.sequences.delete(client);
      previous.detach();
      this.learn(client, previous);
      hold = previous.hold.released ? wiki.runtime.reservePush(this.times.capMs) : previous.hold;
      hold.until(this.times.capMs);
    } else {
      this.end(client);
      hold = wiki.runtime.reservePush(this.times.capMs);
    }
    this.retrying.delete(client);
    const sequence: Sequence = { wiki, hold, step: 'push', startedAt: performance.now(), shown: null, lastEnd: null, detach: noop };
    if (connection) {
      const onClose = () => {
        if (this.sequences.get(client) === sequence) this.end(client);
      };
      connection.once('close', onClose);
      sequence.detach = () => connection.off('close', onClose);
    }
    this.remember(this.sequences, client, sequence, (key) => this.end(key));
    return {
      held: true,
      shown: () => {
        if (sequence.shown !== null) return;
        const now = performance.now();
        sequence.shown = { at: now, head: wiki.head() };
        sequence.lastEnd = now;
        hold.until(this.idle(client));
      },
      cancel: () => this.cancel(client, sequence),
    };
  }

  /**
   * A fetch's refs are about to be produced. Holds writes only for a client turned away from a push moments ago (it
   * is pulling to push again); otherwise notes the head the client is shown and holds nothing.
   */
  fetchRefs(wiki: ReservedWiki, client: string): Reservation {
    const previous = this.sequences.get(client);
    if (previous?.step === 'push') this.end(client);
    const until = this.retrying.get(client);
    const continuing = previous?.step === 'fetch' && this.sequences.get(client) === previous;
    if (!continuing && (until === undefined || until < performance.now())) {
      return { held: false, shown: () => this.remember(this.seen, client, wiki.head(), (key) => this.seen.delete(key)), cancel: noop };
    }
    this.retrying.delete(client);
    let sequence: Sequence;
    if (continuing && previous) {
      sequence = previous;
      this.learn(client, sequence);
      this.rehold(sequence);
    } else {
      sequence = { wiki, hold: wiki.runtime.reservePush(this.times.capMs), step: 'fetch', startedAt: performance.now(), shown: null, lastEnd: null, detach: noop };
      this.remember(this.sequences, client, sequence, (key) => this.end(key));
    }
    return {
      held: true,
      shown: () => {
        this.remember(this.seen, client, wiki.head(), (key) => this.seen.delete(key));
        this.idleAfter(client, sequence);
      },
      cancel: () => this.cancel(client, sequence),
    };
  }

  /** A fetch's POST: a retrying client's hold lasts through it. Returns what to call when it ends. */
  fetchRequest(client: string): () => void {
    const sequence = this.sequences.get(client);
    if (sequence?.step === 'push') this.end(client);
    if (sequence?.step !== 'fetch') return noop;
    this.learn(client, sequence);
    this.rehold(sequence);
    return () => {
      if (this.sequences.get(client) === sequence) this.idleAfter(client, sequence);
    };
  }

  /**
   * The push's POST has arrived: its hold now lasts until the returned function is called (when the POST ends,
   * whichever way), at most `capMs`. A POST that comes after its hold lapsed is held for again if main has not moved
   * meanwhile: it can still land.
   */
  claim(client: string): () => void {
    const sequence = this.sequences.get(client);
    if (sequence?.step !== 'push') return noop;
    this.sequences.delete(client);
    sequence.detach();
    this.learn(client, sequence);
    let hold = sequence.hold;
    if (hold.released && sequence.shown !== null && sequence.wiki.head() === sequence.shown.head) {
      hold = sequence.wiki.runtime.reservePush(this.times.capMs);
    }
    hold.until(this.times.capMs);
    return () => hold.release();
  }

  /**
   * git's probe before a large push (a POST of a bare flush packet, to check credentials before streaming): the
   * real POST follows at once, so the hold is kept for it, at most `capMs`.
   */
  probe(client: string): void {
    const sequence = this.sequences.get(client);
    if (sequence?.step !== 'push') return;
    this.learn(client, sequence);
    sequence.hold.until(this.times.capMs);
  }

  /**
   * The client's sequence ends without a push: its hold is released. A client shown refs for a push that differ from
   * what it last fetched, and gone without a POST, was most likely turned away by git: its next fetch is reserved.
   */
  end(client: string): void {
    const sequence = this.sequences.get(client);
    if (!sequence) return;
    this.sequences.delete(client);
    sequence.detach();
    sequence.hold.release();
    if (sequence.step === 'push' && sequence.shown !== null && sequence.shown.head !== this.seen.get(client)) {
      this.remember(this.retrying, client, performance.now() + RETRY_WINDOW_MS, (key) => this.retrying.delete(key));
    }
  }

  /** How many clients have a sequence (a lapsed hold still counts: the client's delay may yet be learned). */
  get size(): number {
    return this.sequences.size;
  }

  private cancel(client: string, sequence: Sequence): void {
    if (this.sequences.get(client) !== sequence) {
      sequence.hold.release();
      return;
    }
    this.sequences.delete(client);
    sequence.detach();
    sequence.hold.release();
  }

  /** A retrying client's fetch goes on: hold again (the refs it is about to see are what it will push onto). */
  private rehold(sequence: Sequence): void {
    const left = sequence.startedAt + FETCH_CAPS * this.times.capMs - performance.now();
    if (left <= 0) {
      sequence.hold.release();
      return;
    }
    if (sequence.hold.released) sequence.hold = sequence.wiki.runtime.reservePush(Math.min(left, this.times.capMs));
    else sequence.hold.until(Math.min(left, this.times.capMs));
    sequence.lastEnd = null;
  }

  private idleAfter(client: string, sequence: Sequence): void {
    sequence.lastEnd = performance.now();
    const left = sequence.startedAt + FETCH_CAPS * this.times.capMs - performance.now();
    sequence.hold.until(Math.max(0, Math.min(left, this.idle(client))));
  }

  /** The idle bound for this client: the default, or twice its delay as seen lately, within `capMs`. */
  private idle(client: string): number {
    return Math.min(this.times.capMs, Math.max(this.times.idleMs, 2 * (this.gaps.get(client) ?? 0)));
  }

  /** Records how long the client's request took to come after the previous response (a slow gap is kept a while). */
  private learn(client: string, sequence: Sequence): void {
    if (sequence.lastEnd === null) return;
    const gap = performance.now() - sequence.lastEnd;
    sequence.lastEnd = null;
    if (gap > MAX_LEARNED_GAP_MS) return;
    const before = this.gaps.get(client) ?? 0;
    this.remember(this.gaps, client, Math.max(gap, before * 0.75), (key) => this.gaps.delete(key));
  }

  private remember<V>(map: Map<string, V>, key: string, value: V, evict: (key: string) => void): void {
    map.delete(key);
    map.set(key, value);
    if (map.size <= MAX_CLIENTS) return;
    const oldest = map.keys().next().value;
    if (oldest !== undefined) evict(oldest);
  }
}

/**
 * Nomad's event broker, as the double needs it: a bounded ring of raft entries (each a batch of events sharing one
 * index), subscriptions with `Topic:Key` filters (Key or FilterKeys match; `*` matches all) and a namespace filter,
 * and Nomad's start rule: `index` is inclusive, falls forward to the next buffered entry, falls back to the last
 * entry when it is newer than everything, and silently starts at the oldest entry when it is too old.
 */
import type { NomadEvent } from '../../controllers/backends/nomad/nomad-wire';

/** One `Topic:Key` filter. */
export interface TopicFilter {
  readonly topic: string;
  readonly key: string;
}

/** A subscriber's view: matching frames in index order. */
export interface Subscription {
  /** Frames are handed over here in order; returns nothing, must not throw. */
  readonly deliver: (frame: { Index: number; Events: NomadEvent[] }) => void;
  readonly topics: readonly TopicFilter[];
  /** `*` = every namespace. */
  readonly namespace: string;
}

/** The ring buffer and its live subscribers. */
export class EventBroker {
  private buffer: { index: number; events: NomadEvent[] }[] = [];
  private readonly subscribers = new Set<Subscription>();

  constructor(private readonly capacity: number) {}

  /** Appends one raft entry's events and hands them to matching subscribers. */
  publish(index: number, events: NomadEvent[]): void {
    if (events.length === 0) return;
    this.buffer.push({ index, events });
    if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
    for (const subscriber of this.subscribers) deliverMatching(subscriber, index, events);
  }

  /** Subscribes from `fromIndex` (replaying the buffer as Nomad does); returns the unsubscribe function. */
  subscribe(subscription: Subscription, fromIndex: number): () => void {
    for (const entry of this.replayFrom(fromIndex)) deliverMatching(subscription, entry.index, entry.events);
    this.subscribers.add(subscription);
    return () => this.subscribers.delete(subscription);
  }

  /** Forgets the buffer (a server restart or snapshot restore). */
  clear(): void {
    this.buffer = [];
  }

  /** Current subscriber count (tests). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private replayFrom(fromIndex: number): { index: number; events: NomadEvent[] }[] {
    if (this.buffer.length === 0) return [];
    if (fromIndex <= 0) return this.buffer;
    const start = this.buffer.findIndex((entry) => entry.index >= fromIndex);
    // Newer than everything: Nomad's StartAtClosest hands out the last entry again (hashicorp/nomad#11296).
    return start < 0 ? this.buffer.slice(-1) : this.buffer.slice(start);
  }
}

/**
 * Parses `topic` query values as Nomad's parseEventTopics: `Topic` alone means `Topic:*`, `Topic:` is the empty key
 * (it matches events whose Key or FilterKeys hold ""), more than one `:` throws the message of Nomad's 400.
 */
export function parseTopics(values: readonly string[]): TopicFilter[] {
  if (values.length === 0) return [{ topic: '*', key: '*' }];
  return values.map((value) => {
    const parts = value.split(':');
    if (parts.length > 2) {
      throw new Error(`error parsing topics: Invalid key value pair for topic, topic: ${value}`);
    }
    return { topic: parts[0] ?? '', key: parts.length === 1 ? '*' : (parts[1] ?? '') };
  });
}

function deliverMatching(subscription: Subscription, index: number, events: NomadEvent[]): void {
  const matching = events.filter((event) => matches(subscription, event));
  if (matching.length > 0) subscription.deliver({ Index: index, Events: matching });
}

function matches(subscription: Subscription, event: NomadEvent): boolean {
  if (subscription.namespace !== '*' && event.Namespace && event.Namespace !== subscription.namespace) return false;
  return subscription.topics.some(
    (filter) =>
      (filter.topic === '*' || filter.topic === event.Topic) &&
      (filter.key === '*' || filter.key === event.Key || (event.FilterKeys ?? []).includes(filter.key)),
  );
}

/** The inspector's "its life" list: every record that follows one message, from the store's index. */
import { describe, expect, it } from 'vitest';
import { messageLife, messageOfRecord } from '../../ui/views/inspector/message-life.ts';
import { builtIn } from '../helpers.ts';
import { recordRun } from './recorded.ts';

describe("a message's life", () => {
  it('follows a poison message from publish through its three receives to the dead-letter queue', () => {
    const { store } = recordRun(builtIn('messaging/poison-message.json'));
    const call = store.code('call');
    const event = store.field(call, 'event');
    let moved = -1;
    for (let i = 0; i < store.count && moved < 0; i++) if (store.k[i] === call && store.str(i, event) === 'moved') moved = i;
    expect(moved).toBeGreaterThan(0);
    const id = messageOfRecord(store, moved)!;
    const life = messageLife(store, id).map((i) => `${store.strings[store.node[i]]} ${store.str(i, event)}`);
    expect(life).toEqual([
      'orders published',
      'orders received:1',
      'worker processing',
      'worker failed',
      'orders visible',
      'orders received:2',
      'worker processing',
      'worker failed',
      'orders visible',
      'orders received:3',
      'worker processing',
      'worker failed',
      'orders visible',
      'orders dead-letter',
      'orders-dlq dead-lettered',
      'orders moved',
    ]);
  });

  it('is not a message for records of other kinds or layers', () => {
    const { store } = recordRun(builtIn('messaging/poison-message.json'));
    const send = store.code('send');
    let i = 0;
    while (store.k[i] !== send) i++;
    expect(messageOfRecord(store, i)).toBeNull();
  });
});

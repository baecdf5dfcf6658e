import { describe, expect, it } from 'vitest';
import { InProcessLiveBus } from '@novamart/events';
import { LoaderRegistry, createLogger, liveSubscription, type SubgraphContext } from '../src/index';

function context(live: InProcessLiveBus): SubgraphContext {
  return {
    requestId: 'r-1',
    viewer: null,
    loaders: new LoaderRegistry(),
    logger: createLogger('test', { level: 'silent' }),
    live,
  };
}

describe('liveSubscription', () => {
  it('yields what is published after it resolves, once per eventId, with fresh loaders per message', async () => {
    const live = new InProcessLiveBus();
    const ctx = context(live);
    const before = ctx.loaders;
    await live.publish('order:1', { eventId: 'e-0', status: 'EARLIER' });
    const messages = await liveSubscription<{ eventId: string; status: string }>(ctx, 'order:1');
    expect(live.activeChannelCount()).toBe(1);
    await live.publish('order:1', { eventId: 'e-1', status: 'AWAITING_PAYMENT' });
    await live.publish('order:1', { eventId: 'e-1', status: 'AWAITING_PAYMENT' });
    await live.publish('order:2', { eventId: 'e-9', status: 'OTHER ORDER' });
    await live.publish('order:1', { eventId: 'e-2', status: 'PAID' });
    const first = await messages.next();
    expect(first.value).toEqual({ eventId: 'e-1', status: 'AWAITING_PAYMENT' });
    const afterFirst = ctx.loaders;
    expect(afterFirst).not.toBe(before);
    expect((await messages.next()).value).toEqual({ eventId: 'e-2', status: 'PAID' });
    expect(ctx.loaders).not.toBe(afterFirst);

    const pending = messages.next();
    await messages.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(live.activeChannelCount()).toBe(0);
    await live.close();
  });
});

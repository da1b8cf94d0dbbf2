import { Coalescer, type ItemOutcome } from './coalescer';

/** A group run whose groups the test settles by hand, recording each group's items. */
function heldRuns<I>() {
  const groups: I[][] = [];
  const settle: Array<(outcomes: ItemOutcome<string>[] | Error) => void> = [];
  const run = (items: readonly I[]) =>
    new Promise<ItemOutcome<string>[]>((resolve, reject) => {
      groups.push([...items]);
      settle.push((outcomes) => (outcomes instanceof Error ? reject(outcomes) : resolve(outcomes)));
    });
  return { groups, settle, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const valuesOf = (items: readonly number[]) => items.map((item) => ({ value: `v${item}` }));

describe('Coalescer', () => {
  it('runs an item that finds nothing under way at once, alone', async () => {
    const { groups, settle, run } = heldRuns<number>();
    const coalescer = new Coalescer(run, { max: 10 });
    const one = coalescer.submit(1);
    expect(groups).toEqual([[1]]);
    settle[0](valuesOf([1]));
    await expect(one).resolves.toBe('v1');
  });

  it('groups the items that came while a group was under way, up to max, in order', async () => {
    const { groups, settle, run } = heldRuns<number>();
    const coalescer = new Coalescer(run, { max: 3 });
    const answers = [1, 2, 3, 4, 5, 6].map((item) => coalescer.submit(item));
    expect(groups).toEqual([[1]]);
    settle[0](valuesOf([1]));
    await tick();
    expect(groups).toEqual([[1], [2, 3, 4]]);
    settle[1](valuesOf([2, 3, 4]));
    await tick();
    expect(groups).toEqual([[1], [2, 3, 4], [5, 6]]);
    settle[2](valuesOf([5, 6]));
    await expect(Promise.all(answers)).resolves.toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('fails one item with its own error, and every item of a group that rejects', async () => {
    const { settle, run } = heldRuns<number>();
    const coalescer = new Coalescer(run, { max: 10 });
    const first = coalescer.submit(1);
    const [two, three] = [coalescer.submit(2), coalescer.submit(3)];
    settle[0](new Error('database out of reach'));
    await expect(first).rejects.toThrow('database out of reach');
    await tick();
    settle[1]([{ error: new Error('item 2 at fault') }, { value: 'v3' }]);
    await expect(two).rejects.toThrow('item 2 at fault');
    await expect(three).resolves.toBe('v3');
  });

  it('fails the group when its run gives a number of outcomes other than its items', async () => {
    const coalescer = new Coalescer<number, string>(() => Promise.resolve([]), { max: 10 });
    await expect(coalescer.submit(1)).rejects.toThrow('A group of 1 items gave 0 outcomes');
  });

  describe('with a patience', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    it('starts the next group beside a stuck one once its patience has passed', async () => {
      const { groups, settle, run } = heldRuns<number>();
      const coalescer = new Coalescer(run, { max: 10, patienceMs: 30 });
      const stuck = coalescer.submit(1);
      const [two, three] = [coalescer.submit(2), coalescer.submit(3)];
      await jest.advanceTimersByTimeAsync(29);
      expect(groups).toEqual([[1]]); // within its patience, they wait for it
      await jest.advanceTimersByTimeAsync(1);
      expect(groups).toEqual([[1], [2, 3]]);
      settle[1](valuesOf([2, 3]));
      await expect(Promise.all([two, three])).resolves.toEqual(['v2', 'v3']);
      // The stuck group still settles its own item when it ends.
      settle[0](valuesOf([1]));
      await expect(stuck).resolves.toBe('v1');
    });

    it('runs an item that comes after the patience has passed at once, beside the stuck group', async () => {
      const { groups, settle, run } = heldRuns<number>();
      const coalescer = new Coalescer(run, { max: 10, patienceMs: 30 });
      const stuck = coalescer.submit(1);
      await jest.advanceTimersByTimeAsync(100); // nothing waited, so the loop is over
      const late = coalescer.submit(2);
      expect(groups).toEqual([[1], [2]]);
      settle[1](valuesOf([2]));
      await expect(late).resolves.toBe('v2');
      settle[0](valuesOf([1]));
      await expect(stuck).resolves.toBe('v1');
    });
  });

  it('without a patience, waits for the group under way however long it takes', async () => {
    const { groups, settle, run } = heldRuns<number>();
    const coalescer = new Coalescer(run, { max: 10 });
    const answers = [coalescer.submit(1), coalescer.submit(2)];
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(groups).toEqual([[1]]);
    settle[0](valuesOf([1]));
    await tick();
    settle[1](valuesOf([2]));
    await expect(Promise.all(answers)).resolves.toEqual(['v1', 'v2']);
  });

  it('refuses a size or a patience that cannot be', () => {
    const run = () => Promise.resolve([]);
    expect(() => new Coalescer(run, { max: 0 })).toThrow(RangeError);
    expect(() => new Coalescer(run, { max: 1.5 })).toThrow(RangeError);
    expect(() => new Coalescer(run, { max: 1, patienceMs: -1 })).toThrow(RangeError);
    expect(() => new Coalescer(run, { max: 1, patienceMs: Number.NaN })).toThrow(RangeError);
  });
});

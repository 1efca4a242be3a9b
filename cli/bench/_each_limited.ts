/**
 * A bounded `Promise.all`, for connecting many users a few at a time.
 *
 * @module
 */

/**
 * Runs `task` over `items`, at most `limit` at a time.
 *
 * @example
 * ```ts
 * await eachLimited([1, 2, 3], 2, async (n) => console.log(n));
 * ```
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
}

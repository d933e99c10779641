/**
 * A binary min-heap of timers keyed by (deadline, sequence), so timers with the
 * same deadline fire in the order they were added. O(log n) insert and remove.
 *
 * @module
 */

/** One entry of the heap; `index` is -1 while the entry is not in a heap. */
export interface TimerNode {
  deadline: number;
  seq: number;
  index: number;
}

function less(a: TimerNode, b: TimerNode): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/** Min-heap of {@link TimerNode}s. */
export class TimerHeap<T extends TimerNode> {
  #items: T[] = [];
  #seq = 0;

  /** Number of armed timers. */
  get size(): number {
    return this.#items.length;
  }

  /** The earliest timer, or undefined. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Insert `node` with `deadline` (removing it first if it is already armed). */
  push(node: T, deadline: number): void {
    if (node.index >= 0) this.remove(node);
    node.deadline = deadline;
    node.seq = this.#seq++;
    node.index = this.#items.length;
    this.#items.push(node);
    this.#up(node.index);
  }

  /** Remove and return the earliest timer. */
  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    this.remove(top);
    return top;
  }

  /** Remove `node` if it is armed. */
  remove(node: T): void {
    const i = node.index;
    if (i < 0) return;
    const items = this.#items;
    const last = items.pop()!;
    node.index = -1;
    if (last !== node) {
      items[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
  }

  #up(i: number): void {
    const items = this.#items;
    const node = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!less(node, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = p;
    }
    items[i] = node;
    node.index = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const node = items[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && less(items[c + 1]!, items[c]!)) c++;
      const child = items[c]!;
      if (!less(child, node)) break;
      items[i] = child;
      child.index = i;
      i = c;
    }
    items[i] = node;
    node.index = i;
  }
}

/** One sample of a line chart; its own file so that the pure series code (and its tests) need no JSX. */
export interface Point {
  /** Epoch ms. */
  readonly t: number;
  readonly v: number;
}

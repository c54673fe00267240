/**
 * Layout stand-ins for the container page tests (ContainerDetail.security.test.tsx), imported
 * before anything else: they must exist when @grafana/ui and react-use load.
 *
 * jsdom has no layout and no canvas: a chart gets no width and uPlot no 2D context. For the
 * charts to mount, elements get a size (a ResizeObserver) and canvases a 2D
 * context (and Path2D) that draws nothing; every measured element is 800 × 40 px (the chart's
 * width, and the legend's height beside it). Everything else — @grafana/ui's TimeSeries, uPlot's
 * scales and axes, the markers placed from them — is the real code; the browser test in
 * e2e/plugin-pages.test.ts checks the drawing in Chromium.
 */
function nothing(): unknown {
  // A function (not an arrow) as target, so that `new Path2D()` can construct it.
  const target = function () {
    return nothing();
  };
  return new Proxy(target, {
    get: (_t, key) => (key === 'measureText' ? () => ({ width: 7 }) : key === Symbol.toPrimitive ? () => 0 : nothing()),
    set: () => true,
    apply: () => nothing(),
    construct: () => nothing() as object,
  });
}
class WidthObserver {
  constructor(private readonly cb: ResizeObserverCallback) {}
  observe(el: Element) {
    const contentRect = { x: 0, y: 0, top: 0, left: 0, width: 800, height: 40, right: 800, bottom: 40 };
    setTimeout(() => this.cb([{ target: el, contentRect } as unknown as ResizeObserverEntry], this as never), 0);
  }
  unobserve() {}
  disconnect() {}
}
Object.assign(window, { ResizeObserver: WidthObserver, Path2D: nothing() });
Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', { value: () => nothing() });

export {};

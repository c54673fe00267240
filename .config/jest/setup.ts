import '@testing-library/jest-dom';
import { TextDecoder, TextEncoder } from 'node:util';

// jsdom lacks TextEncoder (react-dom/server, which @grafana/ui imports, needs it at load time).
Object.assign(globalThis, { TextEncoder, TextDecoder });

// jsdom lacks a few browser APIs @grafana/ui touches while rendering.
if (!window.matchMedia) {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }),
  });
}
if (!('IntersectionObserver' in window)) {
  // Select menus watch their scroll edges; jsdom has no layout, so nothing ever intersects.
  class NoIntersections {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  Object.assign(window, { IntersectionObserver: NoIntersections });
}
if (!('scrollIntoView' in Element.prototype)) {
  Object.defineProperty(Element.prototype, 'scrollIntoView', { value: () => undefined });
}

// @grafana/ui's Icon loads its SVG asynchronously (react-inlinesvg) and sets state outside act(),
// and its Dropdown (floating-ui's useFloating) sets state from the ref callback of its button when
// a row mounts after data arrived; those warnings say nothing about the plugin, so they alone are
// dropped. Everything else still prints.
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  const text = args.map(String).join(' ');
  if (text.includes('not wrapped in act') && (text.includes('InlineSVG') || args[1] === 'Dropdown')) {
    return;
  }
  consoleError(...args);
};

// Pages wait for a real backend and searches wait out a 300 ms debounce; on a loaded 2-core
// machine rendering 50 table rows in jsdom alone can take seconds.
import { configure } from '@testing-library/react';
configure({ asyncUtilTimeout: 15_000 });
